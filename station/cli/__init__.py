"""The ``station`` command: its parser, the dispatch to a handler, and any failure as one line on stderr.

The top floor: nothing in ``station`` imports this package. Each subcommand lives in a module of its own and
adds itself to the parser through ``register``:

- ``db``: ``station db …`` and ``station audit …`` (schema, backup, ledger check, audit chain);
- ``run``: ``station run``, the terminal with the devices named in the configuration;
- ``demo``: ``station demo``, the terminal on simulated devices, or the printed ledger walkthrough;
- ``report``: ``station report …``;
- ``sim``: ``station sim …``, the dispenser, card reader and printer simulators on their own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line (``--help`` shows the usage); subcommands inherit this class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        dest="db",
        default=None,
        help="database URL (default: STATION_DB_URL or a file in the user data directory)",
    )
    parser.add_argument(
        "--config", dest="config", default=None, help="station.toml (default: STATION_CONFIG or config/station.toml)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(prog="station", description="CNG station point of service")
    _add_common(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    from station.cli import db, demo, report, run, sim

    db.register(sub, _add_common)
    run.register(sub, _add_common)
    demo.register(sub, _add_common)
    report.register(sub, _add_common)
    sim.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("STATION_DEBUG"):
            raise
        code, message = _explain(exc)
        print(f"error: {message}", file=sys.stderr)
        return code


def _explain(exc: Exception) -> tuple[int, str]:
    """Any failure as one line for the person at the console: never a traceback, never a password."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from station.config import ConfigError
    from station.ledger.db import DatabaseUnavailable, one_line

    if isinstance(exc, DatabaseUnavailable):
        return 2, str(exc)
    if isinstance(exc, ConfigError):
        return 2, "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if isinstance(exc, DBAPIError | sqlite3.Error):
        return 1, f"database: {one_line(exc)}"
    if isinstance(exc, SQLAlchemyError):
        return 1, f"database: {type(exc).__name__}: {one_line(exc)}"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return 2, f"{exc.strerror or type(exc).__name__}{where}"
    first = str(exc).strip().splitlines()
    detail = f": {first[0]}" if first else ""
    return 1, f"unexpected {type(exc).__name__}{detail} (STATION_DEBUG=1 shows the traceback)"
