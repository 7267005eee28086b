"""A manager's amendments: one field corrected, the original kept visible, audited."""

from __future__ import annotations

from station.ledger.errors import InvalidInput, Refused
from station.ledger.models import StockMovement
from station.ledger.models_unloading import UnloadingAmendment
from station.ledger.staff import Actor
from station.ledger.unloading.core import UnloadingCore
from station.ledger.unloading.values import (
    AMENDABLE,
    INT_FIELDS,
    MAX_PRESSURE_CENTI_MPA,
    MAX_QUANTITY_CENTI,
    MAX_TEMP_DECI_C,
    MIN_TEMP_DECI_C,
    UnloadingView,
    check_text,
)
from station.ledger.vehicles import normalise_plate


class Amendments(UnloadingCore):
    """Corrections that keep the original row untouched."""

    def amend(self, manager: Actor, unloading_id: int, field_name: str, new_value: str, reason: str) -> UnloadingView:
        """A manager's correction of one field. The original row is untouched; the amendment is audited.

        Correcting ``received_centi`` of an ended unloading posts the difference to the gas stock as an
        ``adjustment``.
        """
        if field_name not in AMENDABLE:
            raise InvalidInput("unload_field_not_amendable", field=field_name)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("reason_required")
        if len(reason) > 200:
            raise InvalidInput("input_too_long", field="reason")
        new_text = new_value.strip()
        if field_name in INT_FIELDS:
            try:
                number = int(new_text)
            except ValueError:
                raise InvalidInput("input_not_number", field=field_name) from None
            if field_name in ("declared_centi", "received_centi") and not 0 <= number <= MAX_QUANTITY_CENTI:
                raise InvalidInput("quantity_invalid")
            if field_name == "water_volume_l" and not 0 < number <= 100_000:
                raise InvalidInput("unload_water_volume_invalid")
            if "pressure" in field_name and not 0 <= number <= MAX_PRESSURE_CENTI_MPA:
                raise InvalidInput("unload_reading_invalid", what="pressure")
            if "temp" in field_name and not MIN_TEMP_DECI_C <= number <= MAX_TEMP_DECI_C:
                raise InvalidInput("unload_reading_invalid", what="temperature")
            new_text = str(number)
        else:
            new_text = check_text(new_text, field_name, 64)
            if field_name.endswith("plate"):
                new_text = normalise_plate(new_text)
        with self._tx() as session:
            person = self.ledger._actor(session, manager, manager=True)
            row = self._row(session, unloading_id)
            current = self._effective(session, row)
            old_text = "" if current.get(field_name) is None else str(current[field_name])
            if field_name == "received_centi" and row.received_centi is None:
                raise Refused("unload_not_ended")
            if old_text == new_text:
                raise Refused("unload_amend_same", field=field_name)
            move_id: int | None = None
            if field_name == "received_centi":
                delta = int(new_text) - int(old_text)
                move = StockMovement(
                    kind="adjustment",
                    product_code=row.product_code,
                    quantity_centi=delta,
                    reference=f"unload:{row.id} amend"[:64],
                    created_at=self.ledger.now(),
                    actor_id=person.id,
                )
                session.add(move)
                session.flush()
                move_id = move.id
            session.add(
                UnloadingAmendment(
                    unloading_id=row.id,
                    field=field_name,
                    old_value=old_text[:64],
                    new_value=new_text[:64],
                    reason=reason,
                    manager_id=person.id,
                    at=self.ledger.now(),
                    stock_movement_id=move_id,
                )
            )
            session.flush()
            self.ledger._audit(
                session,
                person.id,
                "unloading_amended",
                unloading=row.id,
                field=field_name,
                old=old_text,
                new=new_text,
                reason=reason,
            )
            return self._view(session, row)
