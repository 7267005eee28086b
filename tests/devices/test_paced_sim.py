"""The simulator paced like a 9600-baud line (its default outside the tests) still speaks the protocol: the
master identifies, polls, authorizes and follows a fill over TCP and over a pty. Nothing here is timed; the
pacing's figures are benchmarks/bench_bus.py's."""

from __future__ import annotations

import pytest

from station.devices.dispenser_bus import DeviceOnline, FillProgress
from station.devices.dispenser_protocol import NozzleState, Preset
from tests.devices.dispenser_helpers import running_bus, running_sim, wait_event, wait_state


@pytest.mark.parametrize("transport", ["tcp", "pty"])
async def test_a_fill_over_the_paced_simulator(transport: str) -> None:
    async with (
        running_sim(transport=transport, dispensers={1: 2, 2: 2}, baud=9600) as sim,
        running_bus(sim, poll_interval=0.25) as (bus, events),
    ):
        assert sim.baud == 9600
        online = {(await wait_event(events, DeviceOnline)).address for _ in range(2)}
        assert online == {1, 2}
        sim.lift(2, 1)
        await wait_state(events, 2, 1, NozzleState.NOZZLE_LIFTED)
        assert await bus.authorize(2, 1, Preset.amount(500), 450) in (NozzleState.AUTHORIZED, NozzleState.FILLING)
        progress = await wait_event(events, FillProgress, lambda e: e.address == 2 and e.quantity > 0)
        assert progress.nozzle == 1 and progress.unit_price == 450
