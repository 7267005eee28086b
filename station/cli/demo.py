"""``station demo``: the terminal UI on simulated devices and sample data, or ``--walkthrough`` printed.

The demo is wired here, not in the UI: it seeds the sample data (``station.seed``), starts the simulated
forecourt (``station.simrig``), opens the first shift and hands the core and the simulators to the terminal
UI. The walkthrough (``station.cli.walkthrough``) prints a real ledger's steps instead, without a UI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from station.cli import help_line
from station.config import ConfigError

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    demo = sub.add_parser("demo", help=help_line("demo"))
    add_common(demo)
    demo.add_argument("--walkthrough", action="store_true", help="print a ledger walkthrough instead of the UI")
    demo.add_argument("--dir", type=Path, default=Path("var/demo"), help="where the demo keeps its files")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    try:
        if args.walkthrough:
            from station.cli.walkthrough import run_walkthrough

            return run_walkthrough(args.dir, config=args.config)
        return asyncio.run(run_demo(args.dir, args.config))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


async def run_demo(directory: Path, config: str | None = None, speed: float = 4.0) -> int:
    """Sample data on simulators in ``directory`` (kept between runs), then the terminal UI until it quits."""
    from station.cli.run import freeze_startup_heap
    from station.runtime import open_station
    from station.seed import seed_demo
    from station.simrig import open_first_shift, start_forecourt
    from station.tui.app import StationApp

    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("STATION_PIN_KEY", str(directory / "pin.key"))
    runtime = open_station(f"sqlite:///{directory / 'station.db'}", config)
    seed_demo(runtime.ledger)
    rig = await start_forecourt(runtime, directory, speed=speed)
    try:
        await rig.bus.wait_connected(10.0)
        await open_first_shift(rig.core)
        app = StationApp(rig.core, sim=rig)
        freeze_startup_heap()
        await app.run_async()
    finally:
        await rig.stop()
        runtime.close()
    print(f"demo data kept in {directory} (receipts: {rig.receipts_file})")
    return 0
