"""The ``station`` command: its parser, the dispatch to a handler, and any failure as one line on stderr.

The top floor: nothing in ``station`` imports this package. Each subcommand lives in a module of its own and
adds itself to the parser through ``register``; that module is imported only when its subcommand is named on
the command line (``station --help`` and the parser load nothing but argparse, see :data:`COMMANDS`):

- ``db``: ``station db …`` and ``station audit …`` (schema, backup, ledger check, audit chain);
- ``run``: ``station run``, the terminal with the devices named in the configuration;
- ``demo``: ``station demo``, the terminal on simulated devices, or the printed ledger walkthrough;
- ``report``: ``station report …``;
- ``sim``: ``station sim …``, the dispenser, card reader and printer simulators on their own;
- ``hq``: ``station hq …``, the head office (service, schema, stations, cards, prices, reports).
- ``desk``: ``station desk serve|run``, the manager's desk without the forecourt, to browsers or in a terminal.
"""

from __future__ import annotations

import argparse
import importlib
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


# Each subcommand: the module under station.cli that registers it, and its line in ``station --help``. The
# module registers the subcommand (and the others it owns) with the same help; it is imported only when named.
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("db", "database: upgrade, backup, check"),
    "audit": ("db", "the hash-chained audit log"),
    "run": ("run", "the attendant terminal with the devices named in the configuration"),
    "demo": ("demo", "the demo: the terminal UI on simulated devices and sample data"),
    "report": ("report", "reports: shift, day, attendants, card statement, unpaid fills"),
    "sim": ("sim", "run a device simulator"),
    "hq": ("hq", "the head office: serve, db upgrade, station add, cards, prices, reports across stations"),
    "desk": ("desk", "the manager's desk, reports and card services: served to browsers, or in this terminal"),
}


def help_line(name: str) -> str:
    """The subcommand's line in ``station --help`` (its module registers it with this help)."""
    return COMMANDS[name][1]


def _register(module_name: str, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    module = importlib.import_module(f"station.cli.{module_name}")
    if module_name == "sim":
        module.register(sub)
    else:
        module.register(sub, _add_common)


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand argv names, as argparse reads it, from a parser whose subcommands are only names."""
    scout = _Parser(prog="station", description="CNG station point of service")
    _add_common(scout)
    sub = scout.add_subparsers(dest="command", required=True)
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    # --help here prints the same top-level help the full parser would; a wrong name fails the same way.
    args, _rest = scout.parse_known_args(argv)
    command: str | None = args.command
    return command


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``station`` parser. Given ``argv``, only the subcommand it names is registered in full (its module
    imported); the others are names with their help line. Without ``argv``, every subcommand in full."""
    chosen = None if argv is None else COMMANDS[named][0] if (named := _named_command(argv)) else None
    parser: argparse.ArgumentParser = _Parser(prog="station", description="CNG station point of service")
    _add_common(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        if name in sub.choices:
            continue  # registered by its module already
        if argv is None or module_name == chosen:
            _register(module_name, sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
