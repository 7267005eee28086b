"""``station run``: the attendant terminal at a real station, with the devices named in the configuration."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from station.config import ConfigError

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    run = sub.add_parser("run", help="the attendant terminal with the devices named in the configuration")
    add_common(run)
    run.add_argument("--spool", type=Path, default=None, help="print queue directory (default: beside the database)")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import importlib

    import platformdirs

    from station.ledger.db import open_existing, resolve_db_url

    # the terminal runs on a database made by station db upgrade, never a new one
    open_existing(resolve_db_url(args.db)).dispose()
    spool = args.spool or Path(platformdirs.user_data_dir("cng-station", appauthor=False)) / "spool"
    try:
        runner = importlib.import_module("station.tui.run")
        result: int = runner.main(args.db, args.config, spool)
        return result
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
