"""An emergency STOP the link cut off is repeated when the link is back, until the dispenser answers it
(docs/protocols/dispenser.md §2.1): over a real socket to the simulator, the TCP connection dropped by the
simulator (like a converter restarting) while the fills go on."""

from __future__ import annotations

import pytest

from station.devices.dispenser_bus import LinkDown, LinkDownError, LinkUp, StopDelivered
from station.devices.dispenser_protocol import Command, Frame, NozzleState, Preset, StopReason
from station.devices.dispenser_sim import DispenserSimulator
from tests.devices.dispenser_helpers import running_bus, running_sim, until, wait_event, wait_state


def cut_the_line_at_the_first_stop(sim: DispenserSimulator) -> None:
    """The first STOP never reaches the dispenser: the connection drops as it is sent."""
    answer = sim._answer
    cut = False

    async def answering(frame: Frame) -> bytes | None:
        nonlocal cut
        if frame.command == Command.STOP and not cut:
            cut = True
            await sim.disconnect(1.0)
            return None
        return await answer(frame)

    sim._answer = answering  # type: ignore[method-assign]


@pytest.mark.parametrize("when", ["asked-while-down", "on-the-wire-when-it-drops"])
async def test_a_stop_cut_off_by_the_link_is_repeated_when_it_is_back(when: str) -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 2}, speed=1.0) as sim,
        running_bus(sim, backoff_max=0.3) as (bus, events),
    ):
        sim.lift(1, 1, capacity_kg=500.0)
        sim.lift(1, 2, capacity_kg=500.0)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED)
        await bus.authorize(1, 1, Preset.fill_up(), 450)
        await bus.authorize(1, 2, Preset.fill_up(), 450)
        await until(lambda: sim.state_of(1, 1) is NozzleState.FILLING)
        if when == "asked-while-down":
            await sim.disconnect(1.0)
            await wait_event(events, LinkDown)
        else:
            cut_the_line_at_the_first_stop(sim)
        with pytest.raises(LinkDownError):
            await bus.stop(1, 1)
        assert bus.stops_owed == [(1, 1)]
        assert sim.state_of(1, 1) is NozzleState.FILLING  # the line took the stop with it
        await wait_event(events, LinkUp)
        delivered = await wait_event(events, StopDelivered)
        assert (delivered.address, delivered.nozzle) == (1, 1)
        await until(lambda: sim.state_of(1, 1) is NozzleState.STOPPED)
        await until(lambda: not bus.stops_owed)
        (txn,) = [t for t in sim.transactions(1) if t.nozzle == 1]
        assert txn.stop_reason is StopReason.MANUAL_STOP
        assert sim.state_of(1, 2) is NozzleState.FILLING  # only what was ordered stopped
        await bus.stop(1, 2)  # the test's own cleanup: a stop that gets through is owed nothing
        assert not bus.stops_owed
