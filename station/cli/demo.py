"""``station demo``: the terminal UI on simulated devices and sample data, or ``--walkthrough`` printed.

The demo is wired here, not in the UI: it seeds the sample data (``station.seed``), starts the simulated
forecourt (``station.simrig``), opens the first shift and hands the core and the simulators to the terminal
UI, all behind the UI's first frame (an opener the app runs once its login screen is painted). The walkthrough
(``station.cli.walkthrough``) prints a real ledger's steps instead, without a UI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.cli import help_line

if TYPE_CHECKING:
    from station.config import HeadOffice
    from station.core.station import StationCore
    from station.runtime import StationRuntime
    from station.simrig import SimulatedForecourt

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    demo = sub.add_parser("demo", help=help_line("demo"))
    add_common(demo)
    demo.add_argument("--walkthrough", action="store_true", help="print a ledger walkthrough instead of the UI")
    demo.add_argument("--dir", type=Path, default=Path("var/demo"), help="where the demo keeps its files")
    demo.add_argument(
        "--hq", action="store_true", help="start a head office beside the station (local PostgreSQL) and sync to it"
    )
    demo.add_argument("--hq-db", default=None, help="the head office's database URL (default: the local hq)")
    demo.add_argument("--hq-port", type=int, default=8765, help="the head office's port on loopback")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    try:
        if args.walkthrough:
            from station.cli.walkthrough import run_walkthrough

            return run_walkthrough(args.dir, config=args.config)
        if args.hq:
            return _demo_with_hq(args)
        return asyncio.run(run_demo(args.dir, args.config))
    except Exception as exc:
        from station.config import ConfigError  # pydantic: loaded by now when the configuration was read

        if not isinstance(exc, ConfigError):
            raise
        print(exc, file=sys.stderr)
        return 2


def _demo_with_hq(args: argparse.Namespace) -> int:
    from station.cli.demo_hq import DEFAULT_DB, DemoHeadOffice
    from station.config import load_settings

    code = load_settings(args.config).station.code
    office = DemoHeadOffice(args.dir, code, args.hq_db or DEFAULT_DB, args.hq_port)
    # A new demo database numbers its events from 1 again: head office forgets the old demo station's first.
    hq = office.start(fresh=not (Path(args.dir) / "station.db").exists())
    try:
        status = asyncio.run(run_demo(args.dir, args.config, hq=hq))
    finally:
        office.stop()
    print(f"head office: station hq report day --db {office.db}   (its log: {office.log})")
    return status


async def run_demo(directory: Path, config: str | None = None, speed: float = 4.0, hq: HeadOffice | None = None) -> int:
    """Sample data on simulators in ``directory`` (kept between runs), then the terminal UI until it quits."""
    from station.cli.run import freeze_startup_heap, peek_station
    from station.tui.app import StationApp

    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("STATION_PIN_KEY", str(directory / "pin.key"))
    opening: asyncio.Future[StationRuntime] | None = None
    rigs: list[SimulatedForecourt] = []

    def prepare() -> StationRuntime:
        import station.simrig  # noqa: F401  (its simulators and drivers imported here, off the event loop)
        from station.runtime import open_station
        from station.seed import seed_demo

        runtime = open_station(f"sqlite:///{directory / 'station.db'}", config)
        seed_demo(runtime.ledger)
        return runtime

    async def opener() -> tuple[StationCore, Any]:
        nonlocal opening
        from station.simrig import open_first_shift, start_forecourt

        # In a thread (imports, configuration, database): the login screen keeps taking keys meanwhile.
        opening = asyncio.ensure_future(asyncio.to_thread(prepare))
        runtime = await asyncio.shield(opening)  # an early quit still lets it finish, to be closed
        # Paced like the configured line, so the demo's fills show the bus's real progress cadence.
        baud = runtime.settings.devices.dispenser_baud
        rig = await start_forecourt(
            runtime, directory, speed=speed, baud=baud, rating_auto=3.0, invoicing=True, payments=True, hq=hq
        )
        rigs.append(rig)
        await rig.bus.wait_connected(10.0)
        await open_first_shift(rig.core)
        freeze_startup_heap()
        return rig.core, rig

    name, language = peek_station(config)
    app = StationApp(opener=opener, language=language, station_name=name)
    try:
        await app.run_async()
    finally:
        if opening is not None:
            with contextlib.suppress(Exception):
                await opening
            try:
                for rig in rigs:
                    await rig.stop()
            finally:
                if not opening.cancelled() and opening.exception() is None:
                    opening.result().close()
    if app.open_failure is not None:
        raise app.open_failure
    for rig in rigs:
        print(f"demo data kept in {directory} (receipts: {rig.receipts_file})")
    return 0
