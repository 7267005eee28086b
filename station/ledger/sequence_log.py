"""The fuelling sequence's log: its steps, and the incidents and manager overrides audited along the way.

Steps are written in the transaction of the sequence's next durable event (the authorization, the fill, the
sale, an abort or incident) as :class:`StepRow` values handed to that service (``steps=``); the station core
decides which steps ride which event (see :mod:`station.core.steplog`). :meth:`SequenceLog.record_steps`
writes a batch on its own (what is left when the core stops, the end of a sequence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from station.ledger.errors import InvalidInput
from station.ledger.models import SequenceStep
from station.ledger.sql import run, table
from station.ledger.staff import Actor, Staff


@dataclass(frozen=True)
class StepRow:
    """One step of a fuelling sequence as it happened (its time, not the time it was written)."""

    sequence_id: str
    dispenser: int
    nozzle: int
    step: str
    at: dt.datetime
    item: str = ""
    attendant_id: int | None = None
    detail: str = ""
    fill_id: int | None = None


_STEPS = table(SequenceStep)
# Built once (a reused statement keeps its cache key).
_INSERT_STEPS = insert(_STEPS)
_LINK_STEPS = update(_STEPS).where(_STEPS.c.sequence_id == bindparam("sequence")).values(fill_id=bindparam("fill"))


def write_steps(
    session: Session, steps: Sequence[StepRow], *, sequence_id: str = "", fill_id: int | None = None
) -> None:
    """Insert the steps in the caller's transaction (one statement); with ``sequence_id`` and ``fill_id`` link
    every step of that sequence, the ones just written included, to the fill."""
    if steps:
        # Core on the transaction's connection (see sql.run): no ORM entity here, and it rides every fill.
        run(
            session,
            _INSERT_STEPS,
            [
                {
                    "sequence_id": s.sequence_id,
                    "dispenser": s.dispenser,
                    "nozzle": s.nozzle,
                    "step": s.step,
                    "item": s.item[:32],
                    "at": s.at,
                    "attendant_id": s.attendant_id,
                    "detail": s.detail[:2000],
                    "fill_id": s.fill_id,
                }
                for s in steps
            ],
        )
    if sequence_id and fill_id is not None:
        run(session, _LINK_STEPS, {"sequence": sequence_id, "fill": fill_id})


class SequenceLog(Staff):
    """What happened at a lane, step by step, for the audit trail."""

    def record_override(self, manager: Actor, what: str, reason: str, **detail: Any) -> None:
        """Audit a manager override of a safety refusal (e.g. a cylinder check)."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._audit(session, manager.id, "override", what=what, reason=reason, **detail)

    def record_incident(self, actor: Actor | None, what: str, *, steps: Sequence[StepRow] = (), **detail: Any) -> None:
        """Audit a safety incident (leak found, emergency stop, aborted sequence), with the steps that led to it."""
        with self._tx() as session:
            write_steps(session, steps)
            self._audit(session, actor.id if actor else None, "incident", what=what, **detail)

    def record_steps(self, *, steps: Sequence[StepRow] = ()) -> None:
        """Write steps that no other event of their sequence carries (the end of a sequence, the core's stop)."""
        if steps:
            with self._tx() as session:
                write_steps(session, steps)

    def record_step(
        self,
        sequence_id: str,
        dispenser: int,
        nozzle: int,
        step: str,
        *,
        item: str = "",
        attendant: Actor | None = None,
        detail: str = "",
        at: dt.datetime | None = None,
    ) -> None:
        """Log one step of the fuelling sequence (time and attendant)."""
        with self._tx() as session:
            session.add(
                SequenceStep(
                    sequence_id=sequence_id,
                    dispenser=dispenser,
                    nozzle=nozzle,
                    step=step,
                    item=item[:32],
                    at=at or self.now(),
                    attendant_id=attendant.id if attendant else None,
                    detail=detail[:2000],
                )
            )

    def link_steps_to_fill(self, sequence_id: str, fill_id: int) -> None:
        with self._tx() as session:
            for row in session.scalars(select(SequenceStep).where(SequenceStep.sequence_id == sequence_id)):
                row.fill_id = fill_id

    def sequence_steps(self, sequence_id: str) -> list[tuple[str, str, dt.datetime, int | None]]:
        with self._read() as session:
            rows = session.scalars(
                select(SequenceStep).where(SequenceStep.sequence_id == sequence_id).order_by(SequenceStep.id)
            )
            return [(r.step, r.item, r.at, r.attendant_id) for r in rows]
