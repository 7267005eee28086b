"""The ``station`` command: database, simulators, audit, demo."""

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

    from station.ledger import cli as ledger_cli

    ledger_cli.register(sub, _add_common)

    from station.ledger import report_cli

    report_cli.register(sub, _add_common)

    from station.devices import simcli

    simcli.register(sub)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
