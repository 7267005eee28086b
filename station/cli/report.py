"""``station report …``: shift, day, attendants, card statement, unpaid fills, overrides and voids, satisfaction.

Text by default (``--lang zh|en|both``); ``--format csv|pdf --out FILE`` writes a file (CSV: UTF-8 with a BOM
for spreadsheets; PDF: A4 tables with the station's name and the printed-at time). ``--csv`` still prints CSV
to the terminal. Reading only: nothing is changed in the books.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable

from station.cli import help_line
from station.ledger.errors import LedgerError
from station.ledger.services import Ledger
from station.money import format_yuan
from station.printouts.report import Lang, Report

AddCommon = Callable[[argparse.ArgumentParser], None]


# Business dates a station can have; outside them the day's bounds would overflow (0001-01-01 minus 8 hours).
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from exc
    if not FIRST_DATE <= day <= LAST_DATE:
        raise argparse.ArgumentTypeError(f"expected a date from {FIRST_DATE} to {LAST_DATE}, got {text}")
    return day


def _month(text: str) -> dt.date:
    try:
        month = dt.date.fromisoformat(f"{text.strip()}-01") if len(text.strip()) == 7 else None
    except ValueError:
        month = None
    if month is None or not FIRST_DATE <= month <= LAST_DATE:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text[:24]!r}")
    return month


def _id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID or not text.strip().isascii():
        raise argparse.ArgumentTypeError(f"expected a number from 1 to {MAX_ID}, got {text[:24]!r}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], add_common: AddCommon) -> None:
    report = sub.add_parser("report", help=help_line("report"))
    report_sub = report.add_subparsers(dest="report_command", required=True)

    def parser(name: str, help_text: str) -> argparse.ArgumentParser:
        p = report_sub.add_parser(name, help=help_text)
        add_common(p)
        p.add_argument("--csv", action="store_true", help="CSV instead of text")
        p.add_argument("--format", choices=("text", "csv", "pdf"), default="text", help="text, csv or pdf")
        p.add_argument("--out", default=None, help="write to this file (needed for pdf; csv and text too)")
        p.add_argument("--lang", choices=("zh", "en", "both"), default="both", help="label language")
        return p

    p = parser("shift", help_text="a shift's reconciliation (default: the open shift, else the latest)")
    p.add_argument("--id", dest="shift_id", type=_id, default=None, help="shift number")
    p.set_defaults(handler=_shift)
    p = parser("day", help_text="the day close: the sums of the day's shifts")
    p.add_argument("--date", type=_date, default=None, help="business date YYYY-MM-DD (default: today, China time)")
    p.set_defaults(handler=_day)
    p = parser("attendants", help_text="per attendant: fills, amounts, timers (over 30 s, over 1 min)")
    p.add_argument("--id", dest="shift_id", type=_id, default=None, help="shift number")
    p.add_argument("--date", type=_date, default=None, help="business date YYYY-MM-DD instead of a shift")
    p.set_defaults(handler=_attendants)
    p = parser("card", help_text="a card statement with the running balance")
    p.add_argument("number", help="the card number printed on the card")
    p.add_argument("--from", dest="start", type=_date, default=None, help="first day YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_date, default=None, help="last day YYYY-MM-DD")
    p.set_defaults(handler=_card)
    p = parser("unpaid", help_text="unpaid fills now and the fills a manager cleared")
    p.set_defaults(handler=_unpaid)
    p = parser("invoices", help_text="the day's receipts invoiced and not yet invoiced, and the invoice requests")
    p.add_argument("--date", type=_date, default=None, help="business date YYYY-MM-DD (default: today, China time)")
    p.set_defaults(handler=_invoices)
    p = parser("satisfaction", help_text="a month's callback satisfaction per attendant and complaint response times")
    p.add_argument("--month", type=_month, default=None, help="calendar month YYYY-MM (default: this month)")
    p.set_defaults(handler=_satisfaction)
    p = report_sub.add_parser("statement", help="a payment provider's daily bill (对账单) matched to the books")
    add_common(p)
    p.add_argument("--provider", choices=("wechat", "alipay"), required=True)
    p.add_argument("--date", type=_date, required=True, help="business date YYYY-MM-DD of the bill")
    p.add_argument("--file", required=True, help="the bill file as the provider gives it (CSV)")
    p.set_defaults(handler=_statement)
    p = parser("overrides", help_text="a shift's overrides, voids, adjustments and price changes")
    p.add_argument("--id", dest="shift_id", type=_id, default=None, help="shift number")
    p.set_defaults(handler=_overrides)


def _run(args: argparse.Namespace, build: Callable[[Ledger], Report]) -> int:
    """Open the existing database (never create or migrate it) and read the report; nothing is written."""
    from station.cli.db import read_pin_key
    from station.config import config_path, load_settings
    from station.ledger.db import open_existing, resolve_db_url
    from station.printouts.report import render_text, to_csv

    settings = load_settings(config_path(getattr(args, "config", None)))
    engine = open_existing(resolve_db_url(getattr(args, "db", None)))
    try:
        # Reports check no PIN and write nothing; the key is only what the Ledger is built with.
        key, _path = read_pin_key(getattr(args, "config", None))
        report = build(Ledger(engine, settings, key or bytes(32)))
    except LedgerError as exc:
        print(f"error: {_refusal(exc, args.lang)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    lang: Lang = args.lang
    fmt = getattr(args, "format", "text")
    if args.csv and fmt == "text":
        fmt = "csv"  # the older flag, as --format csv
    out = getattr(args, "out", None)
    if out is None and fmt == "csv":
        sys.stdout.write(to_csv(report, lang))
        return 0
    if out is None and fmt == "text":
        print("\n".join(render_text(report, lang)))
        return 0
    return _write(report, settings.station.name, settings.station.code, lang, fmt, out)


def _write(report: Report, name: str, code: str, lang: Lang, fmt: str, out: str | None) -> int:
    """The report into a file: text, CSV (with a BOM) or PDF; a file that cannot be written is said, exit 2."""
    from pathlib import Path

    from station.printouts.export_csv import csv_bytes, write_atomic
    from station.printouts.report import render_text

    if out is None:
        print(f"error: --format {fmt} needs --out FILE", file=sys.stderr)
        return 2
    if fmt == "pdf":
        from station.printouts.export_pdf import pdf_bytes

        data = pdf_bytes(report, name, code, lang)
    elif fmt == "csv":
        data = csv_bytes(report, lang)
    else:
        data = ("\n".join(render_text(report, lang)) + "\n").encode("utf-8")
    try:
        path = write_atomic(Path(out), data)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


def _refusal(exc: LedgerError, lang: str) -> str:
    """The refusal in the report's language, with its code for a search in the logs."""
    from station.i18n import error_text

    if lang == "both":
        text = f"{error_text(exc.code, 'zh', **exc.params)} / {error_text(exc.code, 'en', **exc.params)}"
    else:
        text = error_text(exc.code, "zh" if lang == "zh" else "en", **exc.params)
    return f"{text} [{exc.code}]"


def _shift(args: argparse.Namespace) -> int:
    from station.ledger.reports.shift import shift_report

    return _run(args, lambda ledger: shift_report(ledger, args.shift_id))


def _day(args: argparse.Namespace) -> int:
    from station.ledger.reports.day import day_report

    return _run(args, lambda ledger: day_report(ledger, args.date))


def _attendants(args: argparse.Namespace) -> int:
    from station.ledger.reports.attendants import attendant_report

    return _run(args, lambda ledger: attendant_report(ledger, shift_id=args.shift_id, business_date=args.date))


def _card(args: argparse.Namespace) -> int:
    from station.ledger.reports.cards import card_statement
    from station.ledger.shifts.values import business_day_bounds

    start = business_day_bounds(args.start)[0] if args.start else None
    end = business_day_bounds(args.end)[1] if args.end else None
    return _run(args, lambda ledger: card_statement(ledger, args.number, start, end))


def _unpaid(args: argparse.Namespace) -> int:
    from station.ledger.reports.unpaid import unpaid_report

    return _run(args, unpaid_report)


def _overrides(args: argparse.Namespace) -> int:
    from station.ledger.reports.unpaid import overrides_report

    return _run(args, lambda ledger: overrides_report(ledger, args.shift_id))


def _satisfaction(args: argparse.Namespace) -> int:
    from station.ledger.reports.satisfaction import satisfaction_report
    from station.ledger.shifts.values import business_date_of

    return _run(args, lambda ledger: satisfaction_report(ledger, args.month or business_date_of(ledger.now())))


def _invoices(args: argparse.Namespace) -> int:
    from station.ledger.reports.invoices import invoice_report

    return _run(args, lambda ledger: invoice_report(ledger, args.date))


def _statement(args: argparse.Namespace) -> int:
    """Each line of the provider's bill against the books; every difference listed; exit 1 when any."""
    from pathlib import Path

    from station.cli.db import read_pin_key
    from station.config import config_path, load_settings
    from station.ledger.db import open_existing, resolve_db_url
    from station.ledger.shifts.values import business_day_bounds
    from station.payments.statement import (
        BookedPayment,
        StatementError,
        match,
        parse_alipay_bill,
        parse_wechat_bill,
    )

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
        parse = parse_wechat_bill if args.provider == "wechat" else parse_alipay_bill
        lines = parse(text)
    except (OSError, UnicodeDecodeError, StatementError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = load_settings(config_path(getattr(args, "config", None)))
    engine = open_existing(resolve_db_url(getattr(args, "db", None)))
    try:
        key, _path = read_pin_key(getattr(args, "config", None))
        start, end = business_day_bounds(args.date)
        booked = Ledger(engine, settings, key or bytes(32)).payments_between(args.provider, start, end)
    finally:
        engine.dispose()
    books = [BookedPayment(args.provider, b.order_no, b.kind, b.amount_fen, b.refund_no) for b in booked]
    result = match(lines, books)
    print(f"{args.provider} {args.date}: {result.matched} matched, {len(result.differences)} differences")
    for diff in result.differences:
        _provider, order_no, kind, refund_no = diff.key
        theirs = "-" if diff.statement_fen is None else format_yuan(diff.statement_fen)
        ours = "-" if diff.books_fen is None else format_yuan(diff.books_fen)
        print(f"  {order_no} {kind} {refund_no}".rstrip() + f"  bill {theirs}  books {ours}")
    return 1 if result.differences else 0
