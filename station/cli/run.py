"""``station run``: the attendant terminal at a real station, with the devices named in the configuration.

The wiring lives here, not in the UI: :func:`build_core` opens the station and attaches the core to the
configured ports (dispenser bus, card reader, printer queue); :func:`run_station` gives the terminal UI an
opener that does so, which the app runs after its first frame: the login screen is up before SQLAlchemy, the
configuration and the devices are even imported (issue 12). Errors go to a log file (:func:`log_to_file`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import logging.handlers
import os
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from station.cli import help_line

if TYPE_CHECKING:
    from station.core.station import StationCore
    from station.i18n import Language
    from station.runtime import StationRuntime

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    run = sub.add_parser("run", help=help_line("run"))
    add_common(run)
    run.add_argument("--spool", type=Path, default=None, help="print queue directory (default: beside the database)")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    # The terminal runs on a database made by station db upgrade, never a new one. A SQLite file that is there
    # is looked into behind the first frame; anything else is looked at now, in full, as before the terminal.
    checked = _sqlite_file_there(args.db)
    if not checked:
        from station.ledger.db import open_existing, resolve_db_url

        open_existing(resolve_db_url(args.db)).dispose()
    spool = args.spool or data_dir() / "spool"
    try:
        return asyncio.run(run_station(args.db, args.config, spool, check_db=checked))
    except Exception as exc:
        from station.config import ConfigError  # pydantic: loaded by now when the configuration was read

        if not isinstance(exc, ConfigError):
            raise
        print(exc, file=sys.stderr)
        return 2


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("cng-station", appauthor=False))


def _sqlite_file_there(db: str | None) -> bool:
    """Whether the database named (or the default one, as station.ledger.db.default_db_url names it) is a
    SQLite file that exists: read from the URL's text, without loading SQLAlchemy to parse it."""
    url = db or os.environ.get("STATION_DB_URL") or f"sqlite:///{data_dir() / 'station.db'}"
    if not url.startswith("sqlite:///"):
        return False
    name = url.removeprefix("sqlite:///").partition("?")[0].removeprefix("file:")
    return bool(name) and name != ":memory:" and "\x00" not in name and Path(name).is_file()


def peek_station(config: str | None) -> tuple[str, Language | None]:
    """The station's name and language for the first frame, from the configuration's text (tomllib, not the
    pydantic model): the file is read in full and validated behind the frame, where a fault is told as ever.
    Found where station.config.config_path looks; anything odd here is left to that reading."""
    import station

    named = config or os.environ.get("STATION_CONFIG")
    path = Path(named) if named else Path(station.__file__).resolve().parent.parent / "config" / "station.toml"
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("station", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "", None
    name = section.get("name") if isinstance(section, dict) else None
    language = section.get("language") if isinstance(section, dict) else None
    return (name if isinstance(name, str) else ""), (language if language in ("zh", "en") else None)


def _open_checked(db: str | None, config: str | None, spool: Path) -> tuple[StationRuntime, StationCore]:
    """build_core on a database first looked at as open_existing does (the schema at its head)."""
    from station.ledger.db import open_existing, resolve_db_url

    open_existing(resolve_db_url(db)).dispose()
    return build_core(db, config, spool)


def build_core(db: str | None, config: str | None, spool: Path) -> tuple[StationRuntime, StationCore]:
    """The core wired to the configured ports: dispensers, card reader and printer (each may be absent)."""
    from station.core.station import StationCore
    from station.devices.code_scanner import CodeScanner
    from station.devices.customer_display import customer_display_from_config
    from station.devices.dispenser_bus import DispenserBus
    from station.devices.pn532_reader import PN532Reader
    from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
    from station.devices.rating_pad import rating_pad_from_config
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
    display = customer_display_from_config(devices)  # no port configured: nothing shown, no error
    rating_pad = rating_pad_from_config(devices)  # no port configured: nobody asked, nothing recorded
    scanner = CodeScanner(devices.code_scanner, devices.code_scanner_baud) if devices.code_scanner else None
    core = StationCore(
        runtime.ledger,
        runtime.settings,
        bus=bus,
        reader=reader,
        print_queue=queue,
        display=display,
        rating_pad=rating_pad,
        code_scanner=scanner,
    )
    return runtime, core


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


async def run_station(db: str | None, config: str | None, spool: Path, *, check_db: bool = False) -> int:
    """Run the terminal UI at once; behind its first frame, build the core with its devices and start it (with
    ``check_db``, the database looked at first). Until the attendant quits; a failure to open is raised here,
    after the terminal is put back, for the CLI to tell in one line."""
    from station.tui.app import StationApp

    log_to_file()
    opening: asyncio.Future[tuple[StationRuntime, StationCore]] | None = None
    started: list[StationCore] = []

    async def opener() -> tuple[StationCore, Any]:
        nonlocal opening
        build = _open_checked if check_db else build_core
        # In a thread (imports, configuration, database): the login screen keeps taking keys meanwhile.
        opening = asyncio.ensure_future(asyncio.to_thread(build, db, config, spool))
        _runtime, core = await asyncio.shield(opening)  # an early quit still lets it finish, to be closed
        await core.start()
        started.append(core)
        freeze_startup_heap()
        return core, None

    name, language = peek_station(config)
    app = StationApp(opener=opener, language=language, station_name=name)
    try:
        await app.run_async()
    finally:
        await _close(opening, started)
    if app.open_failure is not None:
        raise app.open_failure
    return 0


async def _close(
    opening: asyncio.Future[tuple[StationRuntime, StationCore]] | None, started: list[StationCore]
) -> None:
    """Whatever the opener got to: the core stopped if it started, the station closed if it opened."""
    if opening is None:
        return
    with contextlib.suppress(Exception):
        await opening
    if opening.cancelled() or opening.exception() is not None:
        return
    runtime, _core = opening.result()
    try:
        for core in started:
            await core.stop()
    finally:
        runtime.close()
