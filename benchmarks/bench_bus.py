"""The line (issue 13): the bus master against the simulator paced like a 9600-baud RS-485 line.

1. Status polls/s achieved ÷ the line's limit (docs/protocols/dispenser.md §5.1: a READ_STATUS of a
   2-nozzle dispenser, 9 + 26 bytes at 10 bits a byte, plus the 2 ms turnaround and the master's t3.5 gap),
   with 1 and with 8 dispensers, all idle; the poller runs with a zero period (one cycle straight after the
   other), so the figure is what the master and the line leave of the bus, not how often it chooses to ask.
   Counted where the simulator receives the requests, over a few windows; the median window counts.
2. With 8 dispensers × 2 nozzles at the default poll period and one nozzle filling: the progress latency,
   from each change of the simulator's volume (every physics tick, 50 ms) to the first FillProgress showing
   that volume or a later one (median and max): how old the figure on the attendant's screen can get.

Run: .venv/bin/python benchmarks/bench_bus.py [SECONDS_PER_WINDOW]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.figures import header, row
from station.devices.dispenser_bus import BusEvent, DispenserBus, FillProgress
from station.devices.dispenser_protocol import (
    TURNAROUND_MIN,
    Command,
    Frame,
    NozzleState,
    Preset,
    max_reply_payload,
    t35,
    wire_time,
)
from station.devices.dispenser_sim import DispenserSimulator

BAUD = 9600
NOZZLES = 2
WINDOWS = 3
FILLING = (1, 1)


def status_poll_limit() -> float:
    """Status polls per second the line carries at most (§5.1)."""
    request, reply = 9, 9 + max_reply_payload(Command.READ_STATUS, NOZZLES)
    return 1 / (wire_time(request + reply, BAUD) + TURNAROUND_MIN + t35(BAUD))


async def until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    async def spin() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(spin(), timeout)


def counting(sim: DispenserSimulator) -> list[float]:
    """Loop times at which the simulator answered a READ_STATUS."""
    times: list[float] = []
    handle = sim.handle_request
    loop = asyncio.get_running_loop()

    def counted(frame: Frame) -> Frame | None:
        if frame.command == Command.READ_STATUS:
            times.append(loop.time())
        return handle(frame)

    sim.handle_request = counted  # type: ignore[method-assign]
    return times


async def polls_per_second(dispensers: int, window: float) -> float:
    sim = DispenserSimulator(dispensers={a: NOZZLES for a in range(1, dispensers + 1)}, control_port=None, baud=BAUD)
    await sim.start()
    bus = DispenserBus(sim.url, range(1, dispensers + 1), baudrate=BAUD, poll_interval=0.0)
    times = counting(sim)
    await bus.start()
    try:
        await until(lambda: all(bus.identity(a) is not None for a in range(1, dispensers + 1)))
        await asyncio.sleep(0.5)
        loop = asyncio.get_running_loop()
        rates = []
        for _ in range(WINDOWS):
            start = loop.time()
            await asyncio.sleep(window)
            end = loop.time()
            rates.append(sum(start <= t < end for t in times) / (end - start))
        return statistics.median(rates)
    finally:
        await bus.close()
        await sim.stop()


async def progress_latency(seconds: float) -> list[float]:
    """Seconds from each volume the filling nozzle reached to the first FillProgress showing it (or more)."""
    sim = DispenserSimulator(dispensers={a: NOZZLES for a in range(1, 9)}, control_port=None, baud=BAUD)
    await sim.start()
    loop = asyncio.get_running_loop()
    reached: list[tuple[float, int]] = []  # (loop time, quantity) at each change in the simulator
    tick = sim.tick

    def watched(sim_seconds: float) -> None:
        tick(sim_seconds)
        fill = sim.dispensers[FILLING[0]].nozzles[FILLING[1]].fill
        if fill is not None and (not reached or reached[-1][1] != fill.quantity):
            reached.append((loop.time(), fill.quantity))

    sim.tick = watched  # type: ignore[method-assign]
    bus = DispenserBus(sim.url, range(1, 9), baudrate=BAUD)
    shown: list[tuple[float, int]] = []  # (loop time, quantity) of each FillProgress of the filling nozzle

    def seen(event: BusEvent) -> None:
        if isinstance(event, FillProgress) and (event.address, event.nozzle) == FILLING:
            shown.append((loop.time(), event.quantity))

    bus.subscribe(seen)
    await bus.start()
    try:
        await until(lambda: all(bus.identity(a) is not None for a in range(1, 9)))
        sim.lift(*FILLING, residual_mpa=3.0, capacity_kg=500.0)
        await until(lambda: bus.nozzle_state(*FILLING) is NozzleState.NOZZLE_LIFTED)
        await bus.authorize(*FILLING, Preset.fill_up(), 450)
        await until(lambda: sim.state_of(*FILLING) is NozzleState.FILLING)
        await asyncio.sleep(1.0)
        start = loop.time()
        await asyncio.sleep(seconds)
        end = loop.time()
        await bus.stop(*FILLING)
    finally:
        await bus.close()
        await sim.stop()
    latencies = []
    for changed, quantity in reached:
        if not start <= changed < end:
            continue
        first = next((t for t, q in shown if t >= changed and q >= quantity), None)
        if first is not None:
            latencies.append(first - changed)
    return latencies


async def run(window: float) -> None:
    limit = status_poll_limit()
    header()
    for dispensers in (1, 8):
        achieved = await polls_per_second(dispensers, window)
        ratio = achieved / limit
        row(
            f"status polls/s at 9600 baud, {dispensers} dispenser{'s' if dispensers > 1 else ''} "
            f"× {NOZZLES} nozzles, ÷ the line's limit ({limit:.2f}/s)",
            f"{ratio:.2f} ({achieved:.2f}/s)",
            "≥ 0.9",
            ratio >= 0.9,
        )
    ms = [v * 1000 for v in await progress_latency(WINDOWS * window)]
    if not ms:
        row(
            "progress latency of a filling nozzle, 8 × 2 nozzles at 9600 baud",
            "no FillProgress seen",
            "≤ 500 ms",
            False,
        )
        return
    worst = max(ms)
    row(
        f"progress latency of a filling nozzle, 8 × 2 nozzles at 9600 baud, {len(ms)} volume changes: median / max",
        f"{statistics.median(ms):.0f} / {worst:.0f} ms",
        "≤ 500 ms",
        worst <= 500,
    )


def main() -> None:
    asyncio.run(run(float(sys.argv[1]) if len(sys.argv) > 1 else 8.0))


if __name__ == "__main__":
    main()
