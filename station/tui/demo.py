"""``station demo``: the terminal UI on simulated dispensers, card reader and printer, with sample data."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from station.core.desk import ManagerDesk
from station.core.station import StationCore
from station.runtime import open_station
from station.seed import ATTENDANT, MANAGER, seed_demo
from station.simrig import start_forecourt
from station.tui.app import StationApp


async def open_first_shift(core: StationCore) -> int | None:
    """A working station from the first key: money is taken only in a shift, so a fresh demo opens its first
    one (attendant 1001, float 0.00, totalizers read from the simulated dispensers). Later runs keep theirs."""
    desk = ManagerDesk(core)
    if await desk.current_shift() is not None or desk.shifts.latest_shift_id() is not None:
        return None
    manager = core.ledger.authenticate(MANAGER[0], MANAGER[2])
    readings = ManagerDesk.totalizers(await desk.read_totalizers())
    return await desk.open_shift(manager, [ATTENDANT[0]], 0, readings)


async def run_demo(directory: Path, config: str | None = None, speed: float = 4.0) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("STATION_PIN_KEY", str(directory / "pin.key"))
    runtime = open_station(f"sqlite:///{directory / 'station.db'}", config)
    seed_demo(runtime.ledger)
    rig = await start_forecourt(runtime, directory, speed=speed)
    try:
        await rig.bus.wait_connected(10.0)
        await open_first_shift(rig.core)
        app = StationApp(rig.core, sim=rig)
        await app.run_async()
    finally:
        await rig.stop()
        runtime.close()
    print(f"demo data kept in {directory} (receipts: {rig.receipts_file})")
    return 0


def main(directory: Path, config: str | None = None) -> int:
    return asyncio.run(run_demo(directory, config))
