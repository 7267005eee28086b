"""The unloading log's shared core: transactions, the locked row, its events, the checklist order, the view."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger.errors import NotFound, Refused
from station.ledger.models import Attendant
from station.ledger.models_unloading import Unloading, UnloadingAmendment, UnloadingEvent
from station.ledger.services import Ledger
from station.ledger.unloading.values import (
    HOSE_STEPS,
    INT_FIELDS,
    READING_FIELDS,
    STEPS,
    TEXT_FIELDS,
    AmendmentView,
    EventView,
    UnloadingView,
    difference_flag,
    step_after,
)


class UnloadingCore:
    """The log's shared core over a :class:`Ledger` (same database, same transactions and audit)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self.ledger._tx() as session:
            yield session

    @property
    def _settings_tolerance_bp(self) -> int:
        return self.ledger.settings.unloading.declared_tolerance_percent

    def _zone(self) -> dt.tzinfo:
        zone = getattr(self.ledger.settings.station, "zone", None)
        return zone if isinstance(zone, dt.tzinfo) else ZoneInfo("Asia/Shanghai")

    def _row(self, session: Session, unloading_id: int) -> Unloading:
        row = session.scalar(select(Unloading).where(Unloading.id == unloading_id).with_for_update())
        if row is None:
            raise NotFound("unload_not_found", id=unloading_id)
        return row

    def _event(
        self,
        session: Session,
        row: Unloading,
        actor_id: int,
        kind: str,
        *,
        reason: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        seq = session.scalar(
            select(func.coalesce(func.max(UnloadingEvent.seq), 0)).where(UnloadingEvent.unloading_id == row.id)
        )
        session.add(
            UnloadingEvent(
                unloading_id=row.id,
                seq=int(seq or 0) + 1,
                kind=kind,
                reason=reason,
                detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
                at=self.ledger.now(),
                attendant_id=actor_id,
            )
        )
        session.flush()

    @staticmethod
    def _check_order(row: Unloading, step: str) -> None:
        if row.status == "departed":
            raise Refused("unload_departed")
        if row.status == "interrupted":  # even the end: it is resumed (and the reason cleared) first
            raise Refused("unload_interrupted")
        done = STEPS.index(row.last_step)
        wanted = STEPS.index(step)
        if wanted == done + 1:
            return
        if wanted <= done:
            raise Refused("unload_step_done", step=step)
        expected = STEPS[done + 1]
        if step in HOSE_STEPS and done < STEPS.index("ground_connected"):
            raise Refused("unload_hose_before_ground", expected=expected)
        if step == "ground_disconnected" and done < STEPS.index("hose_disconnected"):
            raise Refused("unload_ground_before_hose", expected=expected)
        if step == "departed" and done < STEPS.index("key_returned"):
            raise Refused("unload_key_not_returned", expected=expected)
        raise Refused("unload_step_out_of_order", step=step, expected=expected)

    # ------------------------------------------------------------------ the view

    def _effective(self, session: Session, row: Unloading) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(row, name) for name in TEXT_FIELDS + INT_FIELDS}
        amendments = session.scalars(
            select(UnloadingAmendment).where(UnloadingAmendment.unloading_id == row.id).order_by(UnloadingAmendment.id)
        )
        for a in amendments:
            values[a.field] = int(a.new_value) if a.field in INT_FIELDS else a.new_value
        return values

    def _view(self, session: Session, row: Unloading) -> UnloadingView:
        names: dict[int, str] = {}

        def name(attendant_id: int) -> str:
            if attendant_id not in names:
                person = session.get(Attendant, attendant_id)
                names[attendant_id] = person.name if person else str(attendant_id)
            return names[attendant_id]

        events = tuple(
            EventView(e.seq, e.kind, e.reason, json.loads(e.detail or "{}"), e.at, name(e.attendant_id))
            for e in session.scalars(
                select(UnloadingEvent).where(UnloadingEvent.unloading_id == row.id).order_by(UnloadingEvent.seq)
            )
        )
        amendment_rows = list(
            session.scalars(
                select(UnloadingAmendment)
                .where(UnloadingAmendment.unloading_id == row.id)
                .order_by(UnloadingAmendment.id)
            )
        )
        amendments = tuple(
            AmendmentView(a.field, a.old_value, a.new_value, a.reason, name(a.manager_id), a.at) for a in amendment_rows
        )
        values = self._effective(session, row)
        original: dict[str, str] = {}
        for a in amendment_rows:
            value = getattr(row, a.field)
            original.setdefault(a.field, "" if value is None else str(value))
        received = values["received_centi"]
        diff, flagged = row.difference_centi, row.flagged
        if received is not None and ("received_centi" in original or "declared_centi" in original):
            diff, flagged = difference_flag(values["declared_centi"], received, self._settings_tolerance_bp)
        return UnloadingView(
            id=row.id,
            trailer_plate=values["trailer_plate"],
            tractor_plate=values["tractor_plate"],
            driver_name=values["driver_name"],
            supplier=values["supplier"],
            note_number=values["note_number"],
            product_code=row.product_code,
            declared_centi=values["declared_centi"],
            water_volume_l=values["water_volume_l"],
            arrived_at=row.arrived_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
            departed_at=row.departed_at,
            readings={k: values[k] for k in READING_FIELDS},
            received_centi=received,
            measured_by=row.measured_by,
            meter_record_number=row.meter_record_number,
            difference_centi=diff,
            flagged=flagged,
            status=row.status,
            last_step=row.last_step,
            next_step=None if row.status == "interrupted" else step_after(row.last_step),
            attendant=name(row.attendant_id),
            stock_movement_id=row.stock_movement_id,
            events=events,
            amendments=amendments,
            original=original,
        )
