"""Polls by need (docs/protocols/dispenser.md §5.1): a dispenser with a nozzle authorized or filling is polled,
with its progress, in every cycle; the idle ones take turns for what is left of the period. The cycles are run
one at a time with a zero period, so exactly one idle dispenser fits in each: no timing is involved."""

from __future__ import annotations

import asyncio

from station.devices.dispenser_protocol import Command, Frame, NozzleState, Preset, PresetKind
from station.devices.dispenser_sim import DispenserSimulator
from tests.devices.dispenser_helpers import running_bus, running_sim


def record_requests(sim: DispenserSimulator) -> list[tuple[int, Command]]:
    """Every request the simulator answers, as (address, command), in order."""
    seen: list[tuple[int, Command]] = []
    handle = sim.handle_request

    def recording(frame: Frame) -> Frame | None:
        seen.append((frame.address, Command(frame.command)))
        return handle(frame)

    sim.handle_request = recording  # type: ignore[method-assign]
    return seen


async def test_a_filling_dispenser_is_polled_every_cycle_the_idle_ones_in_turn() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 2, 2: 2, 3: 2, 4: 2}, speed=1.0) as sim,
        running_bus(sim, poll=False, poll_interval=0.0) as (bus, _events),
    ):
        for address in (1, 2, 3, 4):
            await bus.poll_once(address)  # identified and online
        sim.lift(3, 2)
        state = await bus.authorize(3, 2, Preset(PresetKind.AMOUNT, 10_000), 450)
        assert state in (NozzleState.AUTHORIZED, NozzleState.FILLING)
        seen = record_requests(sim)
        cycles = 6
        for _ in range(cycles):
            seen.append((0, Command.IDENTIFY))  # a marker between cycles
            await bus._poll_cycle(asyncio.get_running_loop().time())
        per_cycle: list[list[tuple[int, Command]]] = []
        for address, command in seen:
            if address == 0:
                per_cycle.append([])
            else:
                per_cycle[-1].append((address, command))
        assert len(per_cycle) == cycles
        for cycle in per_cycle:
            assert (3, Command.READ_STATUS) in cycle and (3, Command.READ_PROGRESS) in cycle, cycle
        idle_turns = [[a for a, c in cycle if c is Command.READ_STATUS and a != 3] for cycle in per_cycle]
        assert idle_turns == [[1], [2], [4], [1], [2], [4]]
