"""The unloading itself: start with readings, interrupt and resume, end (the delivery), sign-off."""

from __future__ import annotations

from typing import Any

from station.gas import GasError, delivered_centi
from station.ledger import outbox
from station.ledger.errors import InvalidInput, Refused
from station.ledger.models import StockMovement
from station.ledger.staff import Actor
from station.ledger.unloading.core import UnloadingCore
from station.ledger.unloading.values import (
    INTERRUPT_REASONS,
    MAX_QUANTITY_CENTI,
    Readings,
    UnloadingView,
    check_readings,
    check_text,
    difference_flag,
    readings_detail,
)


class Running(UnloadingCore):
    """Start, interrupt, resume and end an unloading; a manager signs off a difference."""

    def start(
        self, actor: Actor, unloading_id: int, readings: Readings, meter_record: int | None = None
    ) -> UnloadingView:
        """Start unloading: the start readings of trailer and storage."""
        check_readings(readings)
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            self._check_order(row, "started")
            row.last_step = "started"
            row.status = "unloading"
            row.started_at = self.ledger.now()
            row.trailer_pressure_start_centi_mpa = readings.trailer_pressure_centi_mpa
            row.trailer_temp_start_deci_c = readings.trailer_temp_deci_c
            row.storage_pressure_start_centi_mpa = readings.storage_pressure_centi_mpa
            row.storage_temp_start_deci_c = readings.storage_temp_deci_c
            if meter_record is not None:
                row.meter_record_number = meter_record
            self._event(session, row, person.id, "started", detail=readings_detail(readings))
            return self._view(session, row)

    def interrupt(self, actor: Actor, unloading_id: int, reason: str, note: str = "") -> UnloadingView:
        """Interrupt a running unloading (lightning, leak, abnormal pressure, other)."""
        if reason not in INTERRUPT_REASONS:
            raise InvalidInput("unload_reason_invalid", reason=reason)
        note = check_text(note, "note", 200, required=reason == "other")
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            if row.status == "interrupted":
                raise Refused("unload_interrupted")
            if row.status != "unloading":
                raise Refused("unload_not_running")
            row.status = "interrupted"
            self._event(session, row, person.id, "interrupted", reason=reason, detail={"note": note})
            self.ledger._audit(session, person.id, "unloading_interrupted", unloading=row.id, reason=reason)
            return self._view(session, row)

    def resume(self, actor: Actor, unloading_id: int, note: str = "") -> UnloadingView:
        note = check_text(note, "note", 200, required=False)
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            if row.status != "interrupted":
                raise Refused("unload_not_interrupted")
            row.status = "unloading"
            self._event(session, row, person.id, "resumed", detail={"note": note})
            return self._view(session, row)

    def end(
        self,
        actor: Actor,
        unloading_id: int,
        readings: Readings,
        *,
        meter_centi: int | None = None,
        meter_record: int | None = None,
    ) -> UnloadingView:
        """End unloading with the end readings; the quantity is the meter's when given, else computed.

        Posts a ``delivery`` of the quantity received to the gas stock in the same transaction.
        """
        check_readings(readings)
        if meter_centi is not None and not 0 <= meter_centi <= MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            self._check_order(row, "ended")
            if meter_centi is not None:
                received, how = meter_centi, "meter"
            else:
                assert row.trailer_pressure_start_centi_mpa is not None and row.trailer_temp_start_deci_c is not None
                try:
                    received = delivered_centi(
                        self.ledger.settings.gas.composition,
                        row.water_volume_l,
                        row.trailer_pressure_start_centi_mpa,
                        row.trailer_temp_start_deci_c,
                        readings.trailer_pressure_centi_mpa,
                        readings.trailer_temp_deci_c,
                    )
                except GasError as exc:
                    raise InvalidInput("unload_reading_invalid", what="state", detail=str(exc)[:80]) from exc
                how = "computed"
            diff, flagged = difference_flag(row.declared_centi, received, self._settings_tolerance_bp)
            row.last_step = "ended"
            row.status = "ended"
            row.ended_at = self.ledger.now()
            row.trailer_pressure_end_centi_mpa = readings.trailer_pressure_centi_mpa
            row.trailer_temp_end_deci_c = readings.trailer_temp_deci_c
            row.storage_pressure_end_centi_mpa = readings.storage_pressure_centi_mpa
            row.storage_temp_end_deci_c = readings.storage_temp_deci_c
            row.received_centi = received
            row.measured_by = how
            if meter_record is not None:
                row.meter_record_number = meter_record
            row.difference_centi = diff
            row.flagged = flagged
            if received > 0:
                move = StockMovement(
                    kind="delivery",
                    product_code=row.product_code,
                    quantity_centi=received,
                    reference=f"unload:{row.id} {row.note_number}"[:64],
                    created_at=self.ledger.now(),
                    actor_id=person.id,
                )
                session.add(move)
                session.flush()
                row.stock_movement_id = move.id
            self._event(
                session, row, person.id, "ended", detail={**readings_detail(readings), "received": received, "by": how}
            )
            self.ledger._audit(
                session,
                person.id,
                "unloading_ended",
                unloading=row.id,
                received_centi=received,
                measured_by=how,
                declared_centi=row.declared_centi,
                flagged=flagged,
            )
            delivery = {
                "unloading_id": row.id,
                "product": row.product_code,
                "note_number": row.note_number,
                "declared_centi": row.declared_centi,
                "received_centi": received,
                "difference_centi": diff,
                "measured_by": how,
                "flagged": flagged,
                "shift_id": self.ledger._open_shift_id(session),
            }
            outbox.emit(session, "unloading", row.id, delivery, self.ledger.now())
            return self._view(session, row)

    def sign_off(self, manager: Actor, unloading_id: int, note: str) -> UnloadingView:
        """A manager signs off a received quantity outside the note's tolerance, with a note (audited)."""
        note = note.strip()
        if not note:
            raise InvalidInput("reason_required")
        if len(note) > 200:
            raise InvalidInput("input_too_long", field="note")
        with self._tx() as session:
            person = self.ledger._actor(session, manager, manager=True)
            row = self._row(session, unloading_id)
            if row.status == "departed":
                raise Refused("unload_departed")
            view = self._view(session, row)
            if view.received_centi is None:
                raise Refused("unload_not_ended")
            if view.signed_off:
                raise Refused("unload_signed_off")
            if not view.flagged:
                raise Refused("unload_signoff_not_needed")
            detail: dict[str, Any] = {
                "note": note,
                "declared": view.declared_centi,
                "received": view.received_centi,
                "difference": view.difference_centi,
            }
            self._event(session, row, person.id, "signed_off", detail=detail)
            self.ledger._audit(session, person.id, "unloading_signed_off", unloading=row.id, **detail)
            return self._view(session, row)
