"""``station demo``: the terminal UI on simulated devices and sample data, or ``--walkthrough`` printed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from station.config import ConfigError

AddCommon = Callable[[argparse.ArgumentParser], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    demo = sub.add_parser("demo", help="the demo: the terminal UI on simulated devices and sample data")
    add_common(demo)
    demo.add_argument("--walkthrough", action="store_true", help="print a ledger walkthrough instead of the UI")
    demo.add_argument("--dir", type=Path, default=Path("var/demo"), help="where the demo keeps its files")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    try:
        if args.walkthrough:
            from station.demo import run_walkthrough

            return run_walkthrough(args.dir, config=args.config)
        import importlib

        demo = importlib.import_module("station.tui.demo")
        result: int = demo.main(args.dir, config=args.config)
        return result
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
