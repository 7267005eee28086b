"""E-STOP on the bus: a stop goes before every waiting request and never queues behind a slow poll cycle."""

from __future__ import annotations

import asyncio
import contextlib

from station.devices.dispenser_bus import DispenserBus, Preempted
from station.devices.dispenser_protocol import NozzleState, Preset, StopReason
from tests.devices.dispenser_helpers import WAIT, running_sim, until

SILENT = list(range(2, 9))  # seven addresses on the bus that never answer: a slow poll cycle


async def test_stop_goes_before_a_slow_poll_of_eight_dispensers() -> None:
    async with running_sim(transport="tcp", dispensers={1: 2}, speed=2.0) as sim:
        # Replies time out only after 2 s: a poll of the seven silent dispensers holds the bus for 14 s.
        bus = DispenserBus(sim.url, [1, *SILENT], reply_timeout=2.0, poll_interval=0.03)
        await bus.start(poll=False)
        try:
            assert await bus.wait_connected(WAIT)
            sim.lift(1, 1, capacity_kg=500.0)
            await until(lambda: sim.state_of(1, 1) is NozzleState.NOZZLE_LIFTED)
            await bus.authorize(1, 1, Preset.fill_up(), 450)
            await until(lambda: sim.state_of(1, 1) is NozzleState.FILLING)
            polls = [asyncio.create_task(bus.poll_once(address)) for address in SILENT]
            # one poll is on the wire, six wait their turn
            await until(lambda: bus._pending is not None and bus._pending.address in SILENT)
            on_the_wire = polls[SILENT.index(bus._pending.address)]  # type: ignore[union-attr]
            await bus.stop(1, 1)
            # The dispenser stopped while the poll cycle was still under way: not one silent poll had timed out.
            assert sim.state_of(1, 1) is NozzleState.STOPPED
            assert sim.transactions(1)[-1].stop_reason is StopReason.MANUAL_STOP
            assert bus.stats.timeouts == 0
            assert not all(task.done() for task in polls)
            # the poll that was on the wire gave up the bus; its device is not counted as missing
            assert isinstance((await asyncio.gather(on_the_wire, return_exceptions=True))[0], Preempted)
        finally:
            for task in polls:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*polls, return_exceptions=True)
            await bus.close()


async def test_a_stop_waits_its_turn_behind_another_stop_not_behind_a_poll() -> None:
    async with running_sim(transport="tcp", dispensers={1: 2, 2: 2}, speed=2.0) as sim:
        bus = DispenserBus(sim.url, [1, 2, *SILENT[1:]], reply_timeout=2.0)
        await bus.start(poll=False)
        try:
            assert await bus.wait_connected(WAIT)
            for address in (1, 2):
                sim.lift(address, 1, capacity_kg=500.0)
                await until(lambda a=address: sim.state_of(a, 1) is NozzleState.NOZZLE_LIFTED)  # type: ignore[misc]
                await bus.authorize(address, 1, Preset.fill_up(), 450)
            await until(lambda: sim.state_of(1, 1) is NozzleState.FILLING and sim.state_of(2, 1) is NozzleState.FILLING)
            poll = asyncio.create_task(bus.poll_once(SILENT[1]))
            await until(lambda: bus._pending is not None)
            await asyncio.gather(bus.stop(1, 0), bus.stop(2, 0))
            assert sim.state_of(1, 1) is NozzleState.STOPPED and sim.state_of(2, 1) is NozzleState.STOPPED
            assert bus.stats.timeouts == 0
            assert isinstance((await asyncio.gather(poll, return_exceptions=True))[0], Preempted)
        finally:
            await bus.close()
