"""The simulator's physics: gas flowing into cylinders and out of the trailer, and fills and unloadings ending.

A tick every ``TICK_SECONDS`` of real time advances ``speed`` times as much simulated time. Floats are used
here only; a fill or unloading that ends becomes an integer transaction or unload record and the totalizers
move on.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from station.devices.dispenser_protocol import (
    MAX_PRESET_QUANTITY,
    AlarmKind,
    NozzleState,
    Progress,
    StopReason,
    Transaction,
    UnloadRecord,
)
from station.devices.dispenser_sim.base import SimulatorBase
from station.devices.dispenser_sim.state import Fill, Nozzle, SimDispenser, SimulatorError, SimUnloadingPost, Unloading
from station.money import amount_for

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05  # physics step in real time
AUTHORIZE_TO_FLOW_SECONDS = 0.5  # valve opening; divided by speed


class SimulatorPhysics(SimulatorBase):
    async def _physics(self) -> None:
        assert self._loop is not None
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.tick(TICK_SECONDS * self.speed)
            except Exception:  # the simulator must keep running whatever a tick trips over
                log.exception("simulator tick failed")
            if self._dirty and self._loop.time() - self._last_save > 1.0:
                self._save_state()

    def tick(self, sim_seconds: float) -> None:
        """Advance the physics by ``sim_seconds`` of simulated time."""
        assert self._loop is not None
        now = self._loop.time()
        for d in self.dispensers.values():
            for z in d.nozzles.values():
                f = z.fill
                if f is None:
                    continue
                if not f.flowing:
                    if now - f.authorized_at >= AUTHORIZE_TO_FLOW_SECONDS / max(self.speed, 1e-6):
                        f.flowing = True
                        self._dirty = True
                    continue
                self._advance_fill(d, z, f, sim_seconds)
        if self.unloading is not None and self.unloading.current is not None:
            self._advance_unloading(self.unloading, sim_seconds)

    # ---------------------------------------------------------------------------------------- fills

    def _advance_fill(self, d: SimDispenser, z: Nozzle, f: Fill, dt: float) -> None:
        pressure = self.cutoff * z.cylinder_kg / z.capacity_kg
        # flow tapers over the last 3 MPa as the pressure difference across the nozzle shrinks
        taper = min(1.0, max(0.15, (self.cutoff - pressure) / 300))
        rate = self.flow_rate * taper
        z.flow = round(rate * 100)
        dm = rate / 60 * dt
        room = z.capacity_kg - z.cylinder_kg
        dm = min(dm, max(room, 0.0))
        # no fill goes past MAX_PRESET_QUANTITY, a fill-up included (§7.4): every amount then fits its u32
        target = MAX_PRESET_QUANTITY if f.target is None else min(f.target, MAX_PRESET_QUANTITY)
        dm = min(dm, max(target / 100 - f.dispensed_kg, 0.0))
        f.dispensed_kg += dm
        z.cylinder_kg += dm
        quantity = min(math.floor(f.dispensed_kg * 100 + 1e-6), target)
        f.quantity = quantity
        self._dirty = True
        if f.leak_at is not None and quantity >= f.leak_at:
            self.latch_alarm(d, z, AlarmKind.LEAK)
        elif quantity >= target:
            self._end_fill(d, z, StopReason.PRESET_REACHED)
        elif z.pressure(self.cutoff) >= self.cutoff or room <= 1e-9:
            self._end_fill(d, z, StopReason.PRESSURE_LIMIT)

    def _fill_up_estimate(self, z: Nozzle) -> int:
        return max(1, round((z.capacity_kg - z.cylinder_kg) * 100))

    def _end_fill(self, d: SimDispenser, z: Nozzle, reason: StopReason) -> Transaction:
        f = z.fill
        assert f is not None
        amount = amount_for(f.unit_price, f.quantity)
        d.counter += 1
        txn = Transaction(
            number=d.counter,
            nozzle=z.number,
            unit=d.unit,
            stop_reason=reason,
            start_time=f.start_time,
            end_time=int(time.time()),
            quantity=f.quantity,
            unit_price=f.unit_price,
            amount=amount,
            pressure_before=f.pressure_before,
            pressure_after=z.pressure(self.cutoff),
            totalizer_before=f.totalizer_before,
            totalizer_after=f.totalizer_before + f.quantity,
            preset=f.preset,
        )
        d.transactions[txn.number] = txn
        z.totalizer_quantity = txn.totalizer_after
        z.totalizer_amount += amount
        z.last = Progress(z.number, NozzleState.FINISHED, f.quantity, amount, f.unit_price, 0, 0, f.preset)
        z.fill = None
        z.flow = 0
        d.trim()
        self._save_state()
        return txn

    def latch_alarm(self, d: SimDispenser, z: Nozzle, alarm: AlarmKind) -> None:
        """Latch ``alarm`` on nozzle ``z``: its fill stops at once; a LEAK stops every fill of the dispenser
        (the gas detector guards the whole cabinet, §7.10)."""
        z.alarms |= alarm
        reason = StopReason.LEAK_ALARM if alarm & AlarmKind.LEAK else StopReason.FAULT
        for other in d.nozzles.values():
            if other is z or alarm & AlarmKind.LEAK:
                self._stop_nozzle(d, other, reason)

    def _stop_nozzle(self, d: SimDispenser, z: Nozzle, reason: StopReason) -> None:
        if z.fill is None:
            return
        if not z.fill.flowing:
            z.fill = None  # authorized but no gas moved: the authorization is simply withdrawn
            return
        self._end_fill(d, z, reason)

    # ----------------------------------------------------------------------------------- unloadings

    def unload_start(self, trailer_mpa: float = 20.0) -> int:
        u = self._require_unloading()
        if u.current is not None:
            raise SimulatorError("already unloading")
        if u.alarms:
            raise SimulatorError("alarm active")
        u.trailer_kg = u.trailer_capacity_kg * min(trailer_mpa * 100, self.cutoff) / self.cutoff
        u.counter += 1
        u.current = Unloading(
            number=u.counter,
            start_time=int(time.time()),
            totalizer_before=u.totalizer,
            pressure_before=u.trailer_pressure(self.cutoff),
            temperature_before=u.trailer_temperature(self.cutoff),
        )
        self._save_state()
        return u.counter

    def unload_stop(self) -> int:
        u = self._require_unloading()
        if u.current is None:
            raise SimulatorError("not unloading")
        return self._end_unloading(StopReason.MANUAL_STOP)

    def _advance_unloading(self, u: SimUnloadingPost, dt: float) -> None:
        current = u.current
        assert current is not None
        pressure = u.trailer_pressure(self.cutoff)
        floor = 200  # 2.00 MPa: below this the trailer no longer pushes gas into storage
        taper = min(1.0, max(0.1, (pressure - floor) / 300))
        rate = 30.0 * taper
        u.flow = round(rate * 100)
        dm = min(rate / 60 * dt, u.trailer_kg)
        u.trailer_kg -= dm
        current.unloaded_kg += dm
        current.quantity = math.floor(current.unloaded_kg * 100 + 1e-6)
        self._dirty = True
        if u.trailer_pressure(self.cutoff) <= floor:
            self._end_unloading(StopReason.PRESSURE_LIMIT)

    def _end_unloading(self, reason: StopReason) -> int:
        u = self._require_unloading()
        current = u.current
        assert current is not None
        record = UnloadRecord(
            number=current.number,
            unit=u.unit,
            stop_reason=reason,
            start_time=current.start_time,
            end_time=int(time.time()),
            quantity=current.quantity,
            totalizer_before=current.totalizer_before,
            totalizer_after=current.totalizer_before + current.quantity,
            pressure_before=current.pressure_before,
            pressure_after=u.trailer_pressure(self.cutoff),
            temperature_before=current.temperature_before,
            temperature_after=u.trailer_temperature(self.cutoff),
        )
        u.records[record.number] = record
        u.totalizer = record.totalizer_after
        u.last_quantity = record.quantity
        u.current = None
        u.flow = 0
        u.trim()
        self._save_state()
        return record.number
