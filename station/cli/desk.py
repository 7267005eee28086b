"""``station desk serve`` and ``station desk run``: the manager's desk, reports and card services without the
forecourt, served to browsers (textual-serve) or in this terminal.

The served desk opens the ledger only: no dispenser bus, no card reader, no printer port, no customer display,
no rating pad (:func:`build_desk_core`). Its core is not started: :meth:`StationCore.start` is the forecourt's
(the bus's polling, the reader, the print queue, the invoicing worker, the recovery of scan-to-pay orders), and
those belong to the one ``station run`` at the kiosk; a second one on the same ledger would race it (it would
reverse a payment the kiosk is still waiting for). The desk's own calls need none of it: a shift's totalizers
are typed when no dispenser answers, a report has no printer to go to, a card is typed by its number.

``serve`` runs an aiohttp server (textual-serve) on 127.0.0.1 by default; every browser that opens the page gets
its own process, ``station desk run``, on a pseudo-terminal spoken over a websocket, starting at a manager's
login. The database URL and the configuration reach that process in its environment (``STATION_DB_URL``,
``STATION_CONFIG``), never on its command line, where a PostgreSQL password would show in ``ps`` and the log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.cli import help_line

if TYPE_CHECKING:
    from station.core.station import StationCore
    from station.runtime import StationRuntime

AddCommon = Callable[[argparse.ArgumentParser], None]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    desk = sub.add_parser("desk", help=help_line("desk"))
    inner = desk.add_subparsers(dest="desk_command", required=True)
    serve = inner.add_parser("serve", help="serve the desk to browsers (one desk per browser session)")
    add_common(serve)
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    serve.add_argument(
        "--public-url",
        default=None,
        help="the address browsers open, when it is not http://HOST:PORT (behind a reverse proxy: https://…)",
    )
    serve.add_argument("--exports", type=Path, default=None, help="where CSV exports go (default: data directory)")
    serve.set_defaults(handler=_serve)
    run = inner.add_parser("run", help="the desk in this terminal (what each browser session runs)")
    add_common(run)
    run.add_argument("--exports", type=Path, default=None, help="where CSV exports go (default: data directory)")
    run.set_defaults(handler=_run)


def exports_dir(given: Path | None) -> Path:
    from station.cli.run import data_dir

    return (given or data_dir() / "exports").resolve()


def build_desk_core(db: str | None, config: str | None) -> tuple[StationRuntime, StationCore]:
    """The core on the ledger alone, letting only managers log in: no device of any kind is opened."""
    from station.core.station import StationCore
    from station.ledger.db import open_existing, resolve_db_url
    from station.runtime import open_station

    open_existing(resolve_db_url(db)).dispose()  # never a new database: only station db upgrade makes one
    runtime = open_station(db, config, migrate=False)
    return runtime, StationCore(runtime.ledger, runtime.settings, managers_only=True)


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(run_desk(args.db, args.config, exports_dir(args.exports)))


async def run_desk(db: str | None, config: str | None, exports: Path) -> int:
    """The desk-only terminal until it quits; the ledger opened behind its first frame (the login screen)."""
    from station.cli.run import log_to_file, peek_station
    from station.tui.desk_app import DeskApp

    log_to_file()
    opening: asyncio.Future[tuple[StationRuntime, StationCore]] | None = None

    async def opener() -> tuple[StationCore, Any]:
        nonlocal opening
        opening = asyncio.ensure_future(asyncio.to_thread(build_desk_core, db, config))
        _runtime, core = await asyncio.shield(opening)  # an early quit still lets it finish, to be closed
        return core, None

    name, language = peek_station(config)
    app = DeskApp(opener=opener, language=language, station_name=name, export_dir=exports)
    try:
        await app.run_async()
    finally:
        if opening is not None:
            with contextlib.suppress(Exception):
                await opening
            if not opening.cancelled() and opening.exception() is None:
                opening.result()[0].close()
    if app.open_failure is not None:
        raise app.open_failure
    return 0


def session_command() -> str:
    """The command textual-serve runs (through a shell) for each browser: this Python, ``station desk run``."""
    return shlex.join([sys.executable, "-m", "station.cli", "desk", "run"])


def _serve(args: argparse.Namespace) -> int:
    from station.config import config_path, load_settings
    from station.ledger.db import open_existing, resolve_db_url

    # Looked at now, so a wrong --db or --config is told here once rather than in every browser.
    url = resolve_db_url(args.db)
    open_existing(url).dispose()
    config = config_path(args.config).resolve()
    settings = load_settings(config)
    # The sessions inherit the environment: the same ledger, configuration and exports, whatever their cwd.
    os.environ["STATION_DB_URL"] = url
    os.environ["STATION_CONFIG"] = str(config)
    command = session_command()
    if args.exports is not None:
        command += " --exports " + shlex.quote(str(exports_dir(args.exports)))
    server = _desk_server(command, args.host, args.port, args.public_url, settings.station.name)
    server.serve()
    return 0


def _desk_server(command: str, host: str, port: int, public_url: str | None, station: str) -> Any:
    from textual_serve.server import Server

    class DeskServer(Server):
        """textual-serve's server, logging plainly: no coloured tracebacks with every frame's locals."""

        def initialize_logging(self) -> None:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

        async def on_startup(self, app: Any) -> None:
            print(f"station desk: serving the manager's desk on {self.public_url}", flush=True)

    title = f"{station} · desk" if station else "CNG station desk"
    return DeskServer(command, host=host, port=port, title=title, public_url=public_url)
