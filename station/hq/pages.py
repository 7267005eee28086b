"""The head office's reports as :class:`~station.printouts.report.Report` values (text and CSV by the printouts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from station.config import STATION_TZ
from station.hq import cards, prices, reports
from station.i18n import t
from station.money import format_yuan
from station.printouts.report import Cell, Column, Report, Section, Text


def _t(key: str, **params: Any) -> Text:
    return Text(t(key, "zh", **params), t(key, "en", **params))


def _qty(centi: int) -> str:
    return format_yuan(centi)  # the same two decimals: kg in the dispenser's 0.01 resolution


def _page(kind: str, subject: str, columns: list[str], rows: list[tuple[Cell, ...]]) -> Report:
    section = Section(
        kind,
        _t(f"hq.{kind}.title"),
        tuple(Column(c, _t(f"hq.col.{c}")) for c in columns),
        tuple(rows),
    )
    return Report(kind, _t(f"hq.{kind}.title"), subject, dt.datetime.now(STATION_TZ), (section,))


def day_page(conn: Connection, date: dt.date) -> Report:
    columns = ["station", "fills", "quantity", "sales", "cash", "card", "mobile", "internal", "shifts"]
    columns += ["closed_fills", "closed_sales", "over_short", "agree"]
    rows: list[tuple[Cell, ...]] = [
        (
            r["station"],
            str(r["fills"]),
            _qty(r["quantity_centi"]),
            format_yuan(r["sales_fen"]),
            format_yuan(r["cash_fen"]),
            format_yuan(r["card_fen"]),
            format_yuan(r["mobile_fen"]),
            format_yuan(r["internal_fen"]),
            str(r["shifts"]),
            str(r["closed_fills"]),
            format_yuan(r["closed_sales_fen"]),
            format_yuan(r["over_short_fen"]),
            _t("hq.agree") if r["agree"] else _t("hq.disagree"),
        )
        for r in reports.day(conn, date)
    ]
    return _page("day", date.isoformat(), columns, rows)


def shift_page(conn: Connection, date: dt.date) -> Report:
    rows: list[tuple[Cell, ...]] = [
        (
            r["station"],
            str(r["shift_id"]),
            str(r["fills"] or 0),
            format_yuan(r["sales_fen"] or 0),
            format_yuan(r["expected_cash_fen"] or 0),
            format_yuan(r["counted_cash_fen"] or 0),
            format_yuan(r["over_short_fen"] or 0),
        )
        for r in reports.shifts(conn, date)
    ]
    columns = ["station", "shift", "fills", "sales", "expected_cash", "counted_cash", "over_short"]
    return _page("shift", date.isoformat(), columns, rows)


def card_page(conn: Connection, date: dt.date) -> Report:
    """The company cards' balances of record, and the day's card fills per card and station."""
    report = _card_balances(conn)
    use: list[tuple[Cell, ...]] = [
        (r["card_no"], r["station"], str(r["fills"]), format_yuan(r["amount_fen"]))
        for r in reports.card_use(conn, date)
    ]
    columns = tuple(Column(c, _t(f"hq.col.{c}")) for c in ("card_no", "station", "fills", "sales"))
    section = Section("card_use", _t("hq.card_use.title"), columns, tuple(use))
    offline: list[tuple[Cell, ...]] = [
        (r["card_no"], r["station"], str(r["fills"]), format_yuan(r["amount_fen"])) for r in cards.offline_rows(conn)
    ]
    risk = Section("card_offline", _t("hq.card_offline.title"), columns, tuple(offline))
    sections = (*report.sections, section, risk)
    return Report(report.kind, report.title, date.isoformat(), report.generated_at, sections)


def _card_balances(conn: Connection) -> Report:
    rows: list[tuple[Cell, ...]] = [
        (
            r["card_no"],
            format_yuan(r["balance_fen"]),
            format_yuan(r["held_fen"]),
            _t(f"hq.status.{r['status']}"),
            r["reason"] or "",
        )
        for r in cards.card_rows(conn)
    ]
    return _page("card", "", ["card_no", "balance", "held", "status", "reason"], rows)


def stock_page(conn: Connection, date: dt.date) -> Report:
    rows: list[tuple[Cell, ...]] = [
        (r["station"], str(r["deliveries"]), _qty(r["delivered_centi"]), _qty(r["sold_centi"]))
        for r in reports.stock(conn, date)
    ]
    return _page("stock", date.isoformat(), ["station", "deliveries", "delivered", "sold"], rows)


def timers_page(conn: Connection, date: dt.date) -> Report:
    rows: list[tuple[Cell, ...]] = [
        (r["station"], r["attendant"], str(r["fills"]), str(r["breaches_30s"]), str(r["breaches_60s"]))
        for r in reports.timers(conn, date)
    ]
    return _page("timers", date.isoformat(), ["station", "attendant", "fills", "over_30s", "over_60s"], rows)


PRICE_STATES = ("applied", "refused", "superseded")  # what a station last said of a schedule not confirmed


def _confirmed(r: dict[str, Any]) -> Text:
    if r["confirmed_at"]:
        return _t("hq.confirmed_at", at=r["confirmed_at"].astimezone(STATION_TZ).strftime("%Y-%m-%d %H:%M"))
    return _t(f"hq.price_state.{r['state']}") if r["state"] in PRICE_STATES else _t("hq.pending")


def prices_page(conn: Connection) -> Report:
    rows: list[tuple[Cell, ...]] = [
        (
            str(r["schedule_version"]),
            r["station"],
            _confirmed(r),
            r["reason"],
        )
        for r in prices.confirmations(conn)
    ]
    return _page("prices", "", ["schedule", "station", "confirmed", "reason"], rows)


def sync_page(conn: Connection, date: dt.date) -> Report:
    """Each station's line now: events held, the last received, sales of shifts not yet closed."""
    del date  # a picture of now
    rows: list[tuple[Cell, ...]] = [
        (
            r["station"],
            str(r["high_water"]),
            str(r["events"]),
            r["last_received"].astimezone(STATION_TZ).strftime("%Y-%m-%d %H:%M:%S") if r["last_received"] else "",
            str(r["open_fills"]),
            format_yuan(int(r["open_sales_fen"])),
        )
        for r in reports.sync(conn)
    ]
    columns = ["station", "high_water", "events", "last_received", "open_fills", "open_sales"]
    return _page("sync", dt.datetime.now(STATION_TZ).strftime("%Y-%m-%d %H:%M"), columns, rows)
