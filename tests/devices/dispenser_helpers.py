"""Helpers shared by the dispenser bus tests: start a simulator and a driver, wait for events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from station.devices.dispenser_bus import (
    BusEvent,
    DeviceRejected,
    DeviceTimeout,
    DispenserBus,
    EventStream,
    NozzleStateChanged,
)
from station.devices.dispenser_protocol import NakCode, NozzleState, Preset
from station.devices.dispenser_sim import DispenserSimulator

E = TypeVar("E", bound=BusEvent)

WAIT = 20.0  # generous: a loaded CI box under xdist must never flake; nothing asserts timings


@contextlib.asynccontextmanager
async def running_sim(**kwargs: Any) -> AsyncIterator[DispenserSimulator]:
    kwargs.setdefault("speed", 50.0)
    kwargs.setdefault("seed", 7)
    kwargs.setdefault("baud", None)  # unpaced: the suite stays fast
    sim = DispenserSimulator(**kwargs)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@contextlib.asynccontextmanager
async def running_bus(
    sim: DispenserSimulator, *, poll: bool = True, **kwargs: Any
) -> AsyncIterator[tuple[DispenserBus, EventStream]]:
    addresses = list(sim.dispensers) + ([sim.unloading.address] if sim.unloading else [])
    kwargs.setdefault("poll_interval", 0.03)
    kwargs.setdefault("reply_timeout", 0.2)
    bus = DispenserBus(sim.url, kwargs.pop("addresses", addresses), **kwargs)
    events = bus.events()
    await bus.start(poll=poll)
    try:
        assert await bus.wait_connected(WAIT), "driver never connected"
        yield bus, events
    finally:
        await bus.close()


async def wait_event(
    events: EventStream,
    kind: type[E],
    where: Callable[[E], bool] = lambda e: True,
    *,
    seen: list[BusEvent] | None = None,
    timeout: float = WAIT,
) -> E:
    """Next event of ``kind`` matching ``where``; every event read on the way is appended to ``seen``."""

    async def scan() -> E:
        while True:
            event = await events.get()
            if seen is not None:
                seen.append(event)
            if isinstance(event, kind) and where(event):
                return event

    return await asyncio.wait_for(scan(), timeout)


async def wait_state(
    events: EventStream, address: int, nozzle: int, state: NozzleState, *, seen: list[BusEvent] | None = None
) -> NozzleStateChanged:
    return await wait_event(
        events,
        NozzleStateChanged,
        lambda e: e.address == address and e.nozzle == nozzle and e.new is state,
        seen=seen,
    )


async def until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    async def spin() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(spin(), timeout)


async def persist(call: Callable[[], Any], attempts: int = 6) -> Any:
    """Retry a command through injected faults, as the app would; typed errors only."""
    for _ in range(attempts - 1):
        try:
            return await call()
        except DeviceTimeout:
            continue
    return await call()


async def authorize_through_faults(bus: DispenserBus, address: int, nozzle: int, preset: Preset, price: int) -> None:
    """Authorize; when an earlier try acted but its replies were all lost, the dispenser says BAD_STATE."""
    timed_out = False
    for _ in range(6):
        try:
            await bus.authorize(address, nozzle, preset, price)
            return
        except DeviceTimeout:
            timed_out = True
        except DeviceRejected as exc:
            if timed_out and exc.code is NakCode.BAD_STATE:
                return
            raise
    raise AssertionError("authorize never got through")
