"""The ``station`` command: database, simulators, audit, demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


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
    parser = argparse.ArgumentParser(prog="station", description="CNG station point of service")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
