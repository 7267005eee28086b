"""A trailer's arrival (the first step) and the checklist steps that are confirmations."""

from __future__ import annotations

from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.models import Product
from station.ledger.models_unloading import Unloading
from station.ledger.staff import Actor
from station.ledger.unloading.core import UnloadingCore
from station.ledger.unloading.values import (
    CONFIRM_STEPS,
    MAX_QUANTITY_CENTI,
    Arrival,
    UnloadingView,
    check_text,
)
from station.ledger.vehicles import normalise_plate


class Checklist(UnloadingCore):
    """Arrive, then confirm each step in its safe order."""

    def arrive(self, actor: Actor, arrival: Arrival) -> int:
        """Log a trailer's arrival (the first step); return the unloading's id."""
        plate = normalise_plate(check_text(arrival.trailer_plate, "trailer_plate", 16))
        tractor = normalise_plate(check_text(arrival.tractor_plate, "tractor_plate", 16, required=False))
        driver = check_text(arrival.driver_name, "driver_name", 64)
        supplier = check_text(arrival.supplier, "supplier", 64)
        note = check_text(arrival.note_number, "note_number", 32)
        if not 0 <= arrival.declared_centi <= MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        volume = arrival.water_volume_l or self.ledger.settings.unloading.default_water_volume_l
        if not 0 < volume <= 100_000:
            raise InvalidInput("unload_water_volume_invalid")
        product = self.ledger.settings.unloading.product
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            if session.get(Product, product) is None:
                raise NotFound("product_unknown", product=product)
            row = Unloading(
                trailer_plate=plate,
                tractor_plate=tractor,
                driver_name=driver,
                supplier=supplier,
                note_number=note,
                product_code=product,
                declared_centi=arrival.declared_centi,
                water_volume_l=volume,
                arrived_at=self.ledger.now(),
                measured_by="",
                flagged=False,
                status="open",
                last_step="arrived",
                attendant_id=person.id,
            )
            session.add(row)
            session.flush()
            self._event(session, row, person.id, "arrived", detail={"plate": plate, "note": note})
            self.ledger._audit(session, person.id, "unloading_arrived", unloading=row.id, trailer=plate, note=note)
            return row.id

    def confirm(self, actor: Actor, unloading_id: int, step: str, note: str = "") -> UnloadingView:
        """Confirm one checklist step (not ``arrived``, ``started`` or ``ended``, which carry data)."""
        if step not in CONFIRM_STEPS:
            raise InvalidInput("unload_step_unknown", step=step)
        note = check_text(note, "note", 200, required=False)
        with self._tx() as session:
            person = self.ledger._actor(session, actor)
            row = self._row(session, unloading_id)
            self._check_order(row, step)
            if step == "departed":
                view = self._view(session, row)
                if view.needs_sign_off:
                    raise Refused(
                        "unload_signoff_required",
                        difference=view.difference_centi,
                        tolerance=self._settings_tolerance_bp,
                    )
            row.last_step = step
            if step == "departed":
                row.status = "departed"
                row.departed_at = self.ledger.now()
            self._event(session, row, person.id, step, detail={"note": note} if note else None)
            if step == "departed":
                self.ledger._audit(session, person.id, "unloading_departed", unloading=row.id)
            return self._view(session, row)
