"""The fuelling sequence's log: its steps, and the incidents and manager overrides audited along the way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from station.ledger.errors import InvalidInput
from station.ledger.models import SequenceStep
from station.ledger.staff import Actor, Staff


class SequenceLog(Staff):
    """What happened at a lane, step by step, for the audit trail."""

    def record_override(self, manager: Actor, what: str, reason: str, **detail: Any) -> None:
        """Audit a manager override of a safety refusal (e.g. a cylinder check)."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._audit(session, manager.id, "override", what=what, reason=reason, **detail)

    def record_incident(self, actor: Actor | None, what: str, **detail: Any) -> None:
        """Audit a safety incident (leak found, emergency stop, aborted sequence)."""
        with self._tx() as session:
            self._audit(session, actor.id if actor else None, "incident", what=what, **detail)

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
