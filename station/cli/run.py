"""``station run``: the attendant terminal at a real station, with the devices named in the configuration.

The wiring lives here, not in the UI: :func:`build_core` opens the station and attaches the core to the
configured ports (dispenser bus, card reader, printer queue); :func:`run_station` hands that core to the
terminal UI, which only runs an app given a core. Errors go to a log file (:func:`log_to_file`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from station.cli import help_line
from station.config import ConfigError

if TYPE_CHECKING:
    from station.core.station import StationCore
    from station.runtime import StationRuntime

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    run = sub.add_parser("run", help=help_line("run"))
    add_common(run)
    run.add_argument("--spool", type=Path, default=None, help="print queue directory (default: beside the database)")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from station.ledger.db import open_existing, resolve_db_url

    # the terminal runs on a database made by station db upgrade, never a new one
    open_existing(resolve_db_url(args.db)).dispose()
    spool = args.spool or Path(platformdirs.user_data_dir("cng-station", appauthor=False)) / "spool"
    try:
        return asyncio.run(run_station(args.db, args.config, spool))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


def build_core(db: str | None, config: str | None, spool: Path) -> tuple[StationRuntime, StationCore]:
    """The core wired to the configured ports: dispensers, card reader and printer (each may be absent)."""
    from station.core.station import StationCore
    from station.devices.dispenser_bus import DispenserBus
    from station.devices.pn532_reader import PN532Reader
    from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
    from station.runtime import open_station

    runtime = open_station(db, config)
    devices = runtime.settings.devices
    addresses = sorted({n.dispenser for n in runtime.settings.nozzles})
    if runtime.settings.unloading.post_address:
        addresses.append(runtime.settings.unloading.post_address)
    bus = (
        DispenserBus(devices.dispenser_port, addresses, baudrate=devices.dispenser_baud)
        if devices.dispenser_port
        else None
    )
    reader = PN532Reader(devices.reader_port) if devices.reader_port else None
    queue = None
    if devices.printer != "none":
        queue = PrintQueue(spool, printer_from_config(PrinterConfig.from_devices(devices)))
    return runtime, StationCore(runtime.ledger, runtime.settings, bus=bus, reader=reader, print_queue=queue)


def log_to_file() -> Path:
    """Errors go to a log file as plain tracebacks (never locals, so never a typed PIN), not over the screen."""
    env = os.environ.get("STATION_LOG")
    path = Path(env) if env else Path(platformdirs.user_log_dir("cng-station", appauthor=False)) / "station.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def freeze_startup_heap() -> None:
    """What was imported and built before the terminal runs (modules, the ORM's mappers, the core) lives as long
    as the process: moved out of the collector's sight, a full collection no longer walks it (one took ~40 ms
    of the first frame, and each one after it pauses the terminal as long), nor does the one at exit."""
    gc.freeze()


async def run_station(db: str | None, config: str | None, spool: Path) -> int:
    """Build the core with its devices, start it, and run the terminal UI on it until the attendant quits."""
    from station.tui.app import StationApp

    log_to_file()
    runtime, core = build_core(db, config, spool)
    await core.start()
    try:
        app = StationApp(core)
        freeze_startup_heap()
        await app.run_async()
    finally:
        await core.stop()
        runtime.close()
    return 0
