"""What the dispenser already knows (issue 13): the items of steps 6 and 9 its reports attest, done without a key.

A nozzle reported lifted completes ``nozzle_connected`` at step 6 (at once if it was lifted before the step
came, as long as it was lifted after the sequence began); the residual pressure is read from the dispenser
the moment ``valves_open`` is confirmed; a nozzle reported back on its hook completes ``nozzle_vented_removed``
at step 9 (recorded even before ``cylinder_valve_closed``, which still waits for its key). The order rules are
the sequence's (``core/sequence.py``); this module only decides when a report is fresh enough to count.
"""

from __future__ import annotations

from station.core.base import CoreBase
from station.core.lanes import CoreRefused, Lane, LaneChanged, NozzleState
from station.core.sequence import Step
from station.devices.dispenser_bus import BusError


class DispenserSeen(CoreBase):
    def _dispenser_saw(self, lane: Lane) -> None:
        """Complete the lane's sequence item its nozzle's last report attests; called on each nozzle report and
        whenever the sequence reaches step 6 or 9 (the report may have come first)."""
        seq = lane.sequence
        if seq is None or seq.finished:
            return
        if seq.step is Step.CONNECT:
            # A lift before this vehicle's greeting is the last vehicle's nozzle left off its hook: not this one.
            fresh = lane.lifted_at is not None and lane.lifted_at >= seq.started_at
            if lane.state is NozzleState.NOZZLE_LIFTED and fresh and seq.dispenser_saw("nozzle_connected"):
                self.emit(LaneChanged(lane.key))
        elif seq.step is Step.DISCONNECT:
            # Hung up since the authorization; a resumed sequence (authorization time unknown) takes any report,
            # as its fill is recorded and the nozzle it filled with is on its hook now.
            fresh = lane.hung_at is not None and (seq.authorized_at is None or lane.hung_at >= seq.authorized_at)
            if lane.state is NozzleState.IDLE and fresh and seq.dispenser_saw("nozzle_vented_removed"):
                self.emit(LaneChanged(lane.key))

    async def _read_residual(self, lane: Lane) -> None:
        """Step 6, right after ``valves_open``: the cylinder's pressure from the dispenser, no key. No reading, or
        one the sequence refuses (too low, full), is kept in ``lane.reading_refused`` for the screen."""
        seq = lane.sequence
        lane.reading_refused = None
        if seq is None or seq.step is not Step.CONNECT or seq.next_connect_item != "residual_pressure":
            return
        pressure = await self._pressure_now(lane)
        try:
            if pressure is None:
                raise CoreRefused("no_pressure_reading")
            self._step(lane.key, lambda s: s.record_residual_pressure(pressure, typed=False))
        except CoreRefused as exc:
            lane.reading_refused = exc
            self.emit(LaneChanged(lane.key))

    async def _pressure_now(self, lane: Lane) -> int | None:
        """The nozzle's gauge read now; None when the dispenser cannot be asked (never the last fill's figure)."""
        if self.bus is None or self.link_refusal() is not None:
            return None
        try:
            status = await self.bus.read_status(lane.dispenser)
        except BusError:
            return None
        nozzle = status.nozzle(lane.nozzle)
        return nozzle.pressure if nozzle is not None and nozzle.pressure > 0 else None
