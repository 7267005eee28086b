"""``station demo``: the terminal UI on simulated dispensers, card reader and printer, with sample data."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import start_forecourt
from station.tui.app import StationApp


async def run_demo(directory: Path, config: str | None = None, speed: float = 4.0) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("STATION_PIN_KEY", str(directory / "pin.key"))
    runtime = open_station(f"sqlite:///{directory / 'station.db'}", config)
    seed_demo(runtime.ledger)
    rig = await start_forecourt(runtime, directory, speed=speed)
    try:
        app = StationApp(rig.core, sim=rig)
        await app.run_async()
    finally:
        await rig.stop()
        runtime.close()
    print(f"demo data kept in {directory} (receipts: {rig.receipts_file})")
    return 0


def main(directory: Path, config: str | None = None) -> int:
    return asyncio.run(run_demo(directory, config))
