"""``station report …``: shift, day, attendants, card statement, unpaid fills, overrides and voids.

Text by default (``--lang zh|en|both``), CSV with ``--csv``. Reading only: nothing is changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable

from station.config import ConfigError
from station.ledger.errors import LedgerError
from station.ledger.reports import Lang, Report
from station.ledger.services import Ledger

AddCommon = Callable[[argparse.ArgumentParser], None]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from exc


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    report = sub.add_parser("report", help="reports: shift, day, attendants, card statement, unpaid fills")
    report_sub = report.add_subparsers(dest="report_command", required=True)

    def parser(name: str, help_text: str) -> argparse.ArgumentParser:
        p = report_sub.add_parser(name, help=help_text)
        add_common(p)
        p.add_argument("--csv", action="store_true", help="CSV instead of text")
        p.add_argument("--lang", choices=("zh", "en", "both"), default="both", help="label language")
        return p

    p = parser("shift", help_text="a shift's reconciliation (default: the open shift, else the latest)")
    p.add_argument("--id", dest="shift_id", type=int, default=None, help="shift number")
    p.set_defaults(handler=_shift)
    p = parser("day", help_text="the day close: the sums of the day's shifts")
    p.add_argument("--date", type=_date, default=None, help="business date YYYY-MM-DD (default: today, China time)")
    p.set_defaults(handler=_day)
    p = parser("attendants", help_text="per attendant: fills, amounts, timers (over 30 s, over 1 min)")
    p.add_argument("--id", dest="shift_id", type=int, default=None, help="shift number")
    p.add_argument("--date", type=_date, default=None, help="business date YYYY-MM-DD instead of a shift")
    p.set_defaults(handler=_attendants)
    p = parser("card", help_text="a card statement with the running balance")
    p.add_argument("number", help="the card number printed on the card")
    p.add_argument("--from", dest="start", type=_date, default=None, help="first day YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_date, default=None, help="last day YYYY-MM-DD")
    p.set_defaults(handler=_card)
    p = parser("unpaid", help_text="unpaid fills now and the fills a manager cleared")
    p.set_defaults(handler=_unpaid)
    p = parser("overrides", help_text="a shift's overrides, voids, adjustments and price changes")
    p.add_argument("--id", dest="shift_id", type=int, default=None, help="shift number")
    p.set_defaults(handler=_overrides)


def _run(args: argparse.Namespace, build: Callable[[Ledger], Report]) -> int:
    from station.ledger.reports import render_text, to_csv
    from station.runtime import open_station

    try:
        runtime = open_station(getattr(args, "db", None), getattr(args, "config", None))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        report = build(runtime.ledger)
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    lang: Lang = args.lang
    if args.csv:
        sys.stdout.write(to_csv(report, lang))
    else:
        print("\n".join(render_text(report, lang)))
    return 0


def _shift(args: argparse.Namespace) -> int:
    from station.ledger.reports import shift_report

    return _run(args, lambda ledger: shift_report(ledger, args.shift_id))


def _day(args: argparse.Namespace) -> int:
    from station.ledger.reports import day_report

    return _run(args, lambda ledger: day_report(ledger, args.date))


def _attendants(args: argparse.Namespace) -> int:
    from station.ledger.reports import attendant_report

    return _run(args, lambda ledger: attendant_report(ledger, shift_id=args.shift_id, business_date=args.date))


def _card(args: argparse.Namespace) -> int:
    from station.ledger.reports import card_statement
    from station.ledger.shifts import business_day_bounds

    start = business_day_bounds(args.start)[0] if args.start else None
    end = business_day_bounds(args.end)[1] if args.end else None
    return _run(args, lambda ledger: card_statement(ledger, args.number, start, end))


def _unpaid(args: argparse.Namespace) -> int:
    from station.ledger.reports import unpaid_report

    return _run(args, unpaid_report)


def _overrides(args: argparse.Namespace) -> int:
    from station.ledger.reports import overrides_report

    return _run(args, lambda ledger: overrides_report(ledger, args.shift_id))
