"""Steps 1–6 of the fuelling sequence as the attendant drives them: greeting, safety check, payment, the card,
the vehicle and its cylinders, connecting and the residual pressure."""

from __future__ import annotations

import contextlib
from typing import Any

from station.core.company_cards import CompanyHolds
from station.core.lanes import CoreRefused, LaneChanged
from station.core.sequence import FuelingSequence, PaymentKind, Step
from station.devices.dispenser_bus import BusError
from station.ledger.cards import CardView


class Steps(CompanyHolds):
    async def start_sequence(self, key: tuple[int, int]) -> FuelingSequence:
        """Step 1: greet the driver at this nozzle."""
        actor = self._need_actor()
        lane = self.lanes[key]
        if lane.sequence is not None and not lane.sequence.finished:
            raise CoreRefused("nozzle_busy")
        await self._refuse_if_leak_locked(lane)
        lane.estopped = False  # a new vehicle: the stop before was for the one that left
        lane.reading_refused = None
        await self._reload_unpaid(lane)
        if lane.unpaid:
            raise CoreRefused("nozzle_has_unpaid")
        seq = self._new_sequence(lane, actor.id)
        self._record_step(lane, seq.events[0])
        self.emit(LaneChanged(key))
        return seq

    async def confirm_arrival(self, key: tuple[int, int]) -> None:
        self._step(key, lambda s: s.confirm_arrival())

    async def confirm_safety_item(self, key: tuple[int, int]) -> str:
        return self._step(key, lambda s: s.confirm_safety_item())

    async def choose_payment(self, key: tuple[int, int], kind: PaymentKind) -> None:
        self._step(key, lambda s: s.choose_payment(kind))

    async def switch_to_cash(self, key: tuple[int, int]) -> None:
        seq = self._sequence(key)
        hold_id = seq.hold_id
        self._step(key, lambda s: s.switch_to_cash())
        if hold_id is not None:  # a card hold from a refused preset goes back to the card
            with contextlib.suppress(CoreRefused):
                await self._db(self.ledger.release_hold, self._need_actor(), hold_id)
            seq.hold_id = None

    # ------------------------------------------------------------------ step 4: the card

    async def check_card(
        self, key: tuple[int, int], *, number: str | None, uid: str | None, plate: str, pin: str
    ) -> CardView:
        """Card check: ours, status, expiry, plate bound, PIN (3 wrong → locked), minimum balance."""
        self._need_actor()
        seq = self._sequence(key)
        if seq.step is not Step.CARD:
            raise CoreRefused("step_out_of_order")
        if not (number or uid):
            raise CoreRefused("input_empty")
        if not plate.strip():
            raise CoreRefused("plate_required")
        try:
            view = await self._db(self.ledger.check_card_for_fill, number=number, uid=uid, plate=plate)
        except CoreRefused as exc:
            if exc.code == "card_lost":
                await self._db(
                    self.ledger.flag_lost_card_use, exc.params.get("number", number or uid or ""), f"{key[0]}/{key[1]}"
                )
            raise
        if not pin:
            raise CoreRefused("pin_format")
        await self._refuse_if_offline_spent(view)
        await self._db(self.ledger.verify_card_pin, view.number, pin)
        self._step(key, lambda s: s.card_accepted(view.number, plate.strip().upper()))
        self._card_levels[key] = (view.price_level, view.card_type)
        return view

    # ------------------------------------------------------------------ step 5: vehicle and cylinders

    async def check_vehicle(self, key: tuple[int, int], plate: str) -> list[dict[str, Any]]:
        """Returns the problems found (each code and its parameters); empty means the vehicle goes on."""
        self._need_actor()
        seq = self._sequence(key)
        if seq.step is not Step.VEHICLE:
            raise CoreRefused("step_out_of_order")
        plate = plate.strip().upper() or seq.plate
        if not plate:
            raise CoreRefused("plate_required")
        if len(plate) > 16:
            raise CoreRefused("plate_invalid")
        problems = await self._db(self.ledger.check_vehicle, plate)
        self._step(key, lambda s: s.set_plate(plate))
        if not problems:
            self._step(key, lambda s: s.vehicle_accepted([]))
            self._dispenser_saw(self.lanes[key])  # a nozzle lifted already: connected at once
            return []
        return [{"code": p.code, "serial": p.serial, "date": p.date.isoformat() if p.date else ""} for p in problems]

    async def override_vehicle(
        self, key: tuple[int, int], problems: list[str], manager_number: str, manager_pin: str, reason: str
    ) -> None:
        """A manager lets a refused cylinder through, with a reason; audited."""
        self._need_actor()
        seq = self._sequence(key)
        if not reason.strip():
            raise CoreRefused("reason_required")
        manager = await self.manager(manager_number, manager_pin)
        await self._db(
            self.ledger.record_override,
            manager,
            "cylinder",
            reason,
            plate=seq.plate,
            problems=problems,
            lane=f"{key[0]}/{key[1]}",
            attendant=self.actor.number if self.actor else "",
        )
        self._step(key, lambda s: s.vehicle_accepted(problems, override_by=manager.number))
        self._dispenser_saw(self.lanes[key])

    # ------------------------------------------------------------------ step 6: connect, pressure, leak

    async def confirm_connect_item(self, key: tuple[int, int], expect: str | None = None) -> str:
        """One key of step 6 (``expect``: the item the attendant was shown); after ``valves_open`` the residual
        pressure is read from the dispenser at once."""
        item = self._step(key, lambda s: s.confirm_connect_item(expect))
        if item == "valves_open":
            await self._read_residual(self.lanes[key])
        return item

    async def residual_from_dispenser(self, key: tuple[int, int]) -> int:
        lane = self.lanes[key]
        pressure = lane.pressure
        if self.bus is not None:
            try:
                status = await self.bus.read_status(lane.dispenser)
                for nozzle in status.nozzles:
                    if nozzle.nozzle == lane.nozzle:
                        pressure = nozzle.pressure
            except BusError:
                pass
        if pressure <= 0:
            raise CoreRefused("no_pressure_reading")
        lane.reading_refused = None  # asked again: this answer (or its refusal) is what counts now
        self._step(key, lambda s: s.record_residual_pressure(pressure, typed=False))
        return pressure

    async def residual_typed(self, key: tuple[int, int], centi_mpa: int) -> None:
        self.lanes[key].reading_refused = None
        self._step(key, lambda s: s.record_residual_pressure(centi_mpa, typed=True))
