"""``station run``: the terminal at a real station, with the devices named in config/station.toml."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from station.core.station import StationCore
from station.devices.dispenser_bus import DispenserBus
from station.devices.pn532_reader import PN532Reader
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.runtime import StationRuntime, open_station
from station.tui.app import StationApp


def build_core(db: str | None, config: str | None, spool: Path) -> tuple[StationRuntime, StationCore]:
    """The core wired to the configured ports: dispensers, card reader and printer (each may be absent)."""
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


async def run_station(db: str | None, config: str | None, spool: Path) -> int:
    log_to_file()
    runtime, core = build_core(db, config, spool)
    await core.start()
    try:
        await StationApp(core).run_async()
    finally:
        await core.stop()
        runtime.close()
    return 0


def main(db: str | None, config: str | None, spool: Path) -> int:
    return asyncio.run(run_station(db, config, spool))
