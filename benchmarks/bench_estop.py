"""E-STOP latency while another process holds SQLite's write lock: F9 → STOP frame at the dispenser → stopped.

The whole terminal runs (Textual app headless, station core, bus driver over TCP, dispenser simulator). In
each round a fill runs on 1/1, another process takes the database's write lock (BEGIN IMMEDIATE) and keeps
it, a sequence step is waiting to be written behind it, and F9 is pressed. Measured from the key press to
the STOP frame arriving at the simulator and to the nozzle being stopped there. Then the lock is let go,
the core records and acknowledges the fill, and the next round starts. A second run measures the bus
alone while it polls eight addresses of which seven never answer (a stop must not wait for that cycle).

Run: .venv/bin/python benchmarks/bench_estop.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from station.devices.dispenser_protocol import Command, Frame, NozzleState, Preset
from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import start_forecourt
from station.tui.app import StationApp

LANE = (1, 1)
HOLDER = """
import select, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
select.select([sys.stdin], [], [], 30)
db.execute("COMMIT")
"""


async def until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the forecourt did not get there")
        await asyncio.sleep(0.005)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        os.environ["STATION_PIN_KEY"] = str(directory / "pin.key")
        db = directory / "station.db"
        runtime = open_station(f"sqlite:///{db}")
        seed_demo(runtime.ledger)
        rig = await start_forecourt(runtime, directory / "rig", speed=1.0, poll_interval=0.25)
        core, sim = rig.core, rig.dispensers
        frame_at: list[float] = []
        stopped_at: list[float] = []
        handle = sim.handle_request

        def watching(frame: Frame) -> Frame | None:
            is_stop = frame.command == Command.STOP and frame.address == LANE[0]
            if is_stop:
                frame_at.append(time.perf_counter())
            reply = handle(frame)
            if is_stop and sim.state_of(*LANE) is NozzleState.STOPPED:
                stopped_at.append(time.perf_counter())
            return reply

        sim.handle_request = watching  # type: ignore[method-assign]
        to_frame: list[float] = []
        to_stop: list[float] = []
        await core.login("1001", "1234")
        other = await core.start_sequence((2, 1))  # its steps queue behind the lock
        app = StationApp(core, sim=rig, language="en")
        try:
            assert await rig.bus.wait_connected(30)
            async with app.run_test(size=(80, 24)) as pilot:
                for _ in range(rounds):
                    sim.lift(*LANE, residual_mpa=3.0, capacity_kg=500.0)
                    await until(lambda: rig.bus.nozzle_state(*LANE) is NozzleState.NOZZLE_LIFTED)
                    await rig.bus.authorize(*LANE, Preset.fill_up(), 450)
                    await until(lambda: sim.state_of(*LANE) is NozzleState.FILLING)
                    holder = await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-c",
                        HOLDER,
                        str(db),
                        stdin=asyncio.subprocess.PIPE,
                        stdout=asyncio.subprocess.PIPE,
                    )
                    assert holder.stdin is not None and holder.stdout is not None
                    assert (await holder.stdout.readline()).strip() == b"locked"
                    frame_at.clear()
                    stopped_at.clear()
                    pressed = time.perf_counter()
                    # a step at the other nozzle happens just as F9 is pressed (kept in the step log, no database)
                    asyncio.get_running_loop().call_soon(core._record_step, core.lane((2, 1)), other.events[0])
                    press = asyncio.create_task(pilot.press("f9"))
                    await until(lambda: bool(stopped_at))
                    assert holder.returncode is None, "the lock was let go before the stop: not measured under it"
                    to_frame.append(frame_at[0] - pressed)
                    to_stop.append(stopped_at[0] - pressed)
                    holder.stdin.write(b"go\n")
                    await holder.stdin.drain()
                    await holder.wait()
                    await press
                    # the core records the stopped fill and acknowledges it; then the nozzle is hung up
                    await until(lambda: not sim.dispensers[LANE[0]].unacked())
                    sim.hang(*LANE)
                    await until(lambda: rig.bus.nozzle_state(*LANE) is NozzleState.IDLE)
        finally:
            await rig.stop()
            runtime.close()
    for name, values in (("F9 → STOP frame at dispenser", to_frame), ("F9 → dispenser stopped", to_stop)):
        ms = [v * 1000 for v in values]
        print(
            f"estop under a held write lock, {len(ms)} rounds, {name}: "
            f"median {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms"
        )


async def run_busy_bus(rounds: int) -> None:
    """The bus alone: eight dispensers configured, seven silent (each poll waits out its reply timeout)."""
    from station.devices.dispenser_bus import DispenserBus
    from station.devices.dispenser_sim import DispenserSimulator

    sim = DispenserSimulator(dispensers={1: 2}, control_port=None, speed=1.0, seed=1, baud=None)
    await sim.start()
    bus = DispenserBus(sim.url, range(1, 9), poll_interval=0.0)
    await bus.start()
    latencies: list[float] = []
    try:
        assert await bus.wait_connected(30)
        for _ in range(rounds):
            sim.lift(*LANE, residual_mpa=3.0, capacity_kg=500.0)
            await until(lambda: sim.state_of(*LANE) is NozzleState.NOZZLE_LIFTED)
            await bus.authorize(*LANE, Preset.fill_up(), 450)
            await until(lambda: sim.state_of(*LANE) is NozzleState.FILLING)
            await until(lambda: bus._pending is not None and bus._pending.address != LANE[0])  # a silent poll
            start = time.perf_counter()
            await bus.stop(*LANE)
            assert sim.state_of(*LANE) is NozzleState.STOPPED
            latencies.append(time.perf_counter() - start)
            for number in sim.dispensers[LANE[0]].unacked():
                await bus.acknowledge(LANE[0], number)
            sim.hang(*LANE)
            await until(lambda: sim.state_of(*LANE) is NozzleState.IDLE)
    finally:
        await bus.close()
        await sim.stop()
    ms = [v * 1000 for v in latencies]
    print(
        f"estop on a bus of 8 dispensers (7 silent, 200 ms reply timeout), {len(ms)} rounds, stop() → stopped: "
        f"median {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms"
    )


def main(rounds: int = 50) -> None:
    asyncio.run(run(rounds))
    asyncio.run(run_busy_bus(rounds))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
