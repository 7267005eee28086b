"""The hand-written reference for bench_reports: raw sqlite3 computing the figures of a shift's reconciliation,
a day's report and a day's attendants report, for closed shifts (what the reports read after the close).

Written as one would by hand: one GROUP BY per subject, the indexes the schema has, sums in SQL. Returns the
figures in the shape bench_reports.project_figures gives the project's values, so the two are asserted equal.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from station.config import STATION_TZ, Settings
from station.ledger.shifts.values import DENOMINATIONS_FEN
from station.money import amount_for

_CASH_KINDS = ("fill_sale", "recharge", "fee", "refund", "cash_drop")
_EVENTS = ("entry_reversed", "override", "card_adjusted", "unpaid_fill_cleared")


def _names(conn: sqlite3.Connection) -> dict[int, str]:
    return {i: f"{n} {name}" for i, n, name in conn.execute("SELECT id, number, name FROM attendants")}


def _who(names: dict[int, str], attendant_id: int | None) -> str:
    return names.get(attendant_id, "—") if attendant_id is not None else "—"


def _price_at(conn: sqlite3.Connection, product: str, level: int, at: str) -> int | None:
    found = conn.execute(
        "SELECT unit_price_fen FROM prices WHERE product_code = ? AND level = ? AND effective_from <= ?"
        " ORDER BY effective_from DESC, id DESC LIMIT 1",
        (product, level, at),
    ).fetchone()
    return None if found is None else int(found[0])


def _timer_rows(conn: sqlite3.Connection, where: str, args: tuple[object, ...], flow: int, commit: int) -> list[tuple]:
    return conn.execute(
        "SELECT attendant_id, count(*), sum(quantity_centi), sum(amount_fen),"
        " count(engine_off_to_flow_ms), coalesce(sum(engine_off_to_flow_ms > ?), 0),"
        " coalesce(sum(engine_off_to_flow_ms), 0), count(fill_end_to_commit_ms),"
        " coalesce(sum(fill_end_to_commit_ms > ?), 0), coalesce(sum(fill_end_to_commit_ms), 0)"
        f" FROM fills WHERE {where} GROUP BY attendant_id",
        (flow, commit, *args),
    ).fetchall()


def reconcile_figures(conn: sqlite3.Connection, settings: Settings, sid: int) -> dict[str, object]:
    names = _names(conn)
    opened, end, float_fen = conn.execute(
        "SELECT opened_at, closed_at, opening_float_fen FROM shifts WHERE id = ?", (sid,)
    ).fetchone()
    record = conn.execute("SELECT close_audit_id, audit_head FROM shift_closings WHERE shift_id = ?", (sid,)).fetchone()
    tolerance = settings.thresholds.totalizer_tolerance

    groups = conn.execute(
        "SELECT dispenser, nozzle, between_shifts, count(*), sum(quantity_centi), sum(amount_fen),"
        " sum(dispenser_amount_fen), sum(amount_mismatch) FROM fills WHERE shift_id = ? GROUP BY 1, 2, 3",
        (sid,),
    ).fetchall()
    own = {(d, n): g for d, n, b, *g in groups if not b}
    between = {(d, n): g[1] for d, n, b, *g in groups if b}
    totals = [sum(r[i] for r in groups) for i in (3, 4, 5, 7)]
    opening = {
        (d, n): (oq, oa, cq, ca)
        for d, n, oq, oa, cq, ca in conn.execute(
            "SELECT dispenser, nozzle, opening_quantity_centi, opening_amount_fen, closing_quantity_centi,"
            " closing_amount_fen FROM shift_totalizers WHERE shift_id = ?",
            (sid,),
        )
    }
    previous = dict(
        ((d, n), q)
        for d, n, q in conn.execute(
            "SELECT dispenser, nozzle, closing_quantity_centi FROM shift_totalizers"
            " WHERE shift_id = (SELECT max(shift_id) FROM shift_totalizers WHERE shift_id < ?)",
            (sid,),
        )
    )
    configured = {(n.dispenser, n.nozzle): n.product for n in settings.nozzles}
    nozzles = []
    for key in sorted(set(opening) | set(own) | set(between)):
        count, fq, fa, fda, _mm = own.get(key, (0, 0, 0, 0, 0))
        product = configured.get(key, settings.products[0].code)
        if count:
            product = conn.execute(
                "SELECT product_code FROM fills WHERE shift_id = ? AND dispenser = ? AND nozzle = ?"
                " AND between_shifts = 0 ORDER BY id LIMIT 1",
                (sid, *key),
            ).fetchone()[0]
        amount_tolerance = amount_for(_price_at(conn, product, 0, end) or 0, tolerance)
        oq, oa, cq, ca = opening.get(key, (None, None, None, None))
        vq = cq - oq - fq if cq is not None and oq is not None else None
        va = ca - oa - fda if ca is not None and oa is not None else None
        prev = previous.get(key)
        gap = oq - prev if oq is not None and prev is not None else None
        flagged = (
            key not in opening
            or (vq is not None and abs(vq) > tolerance)
            or (va is not None and abs(va) > amount_tolerance)
            or (gap is not None and abs(gap - between.get(key, 0)) > tolerance)
        )
        nozzles.append((*key, product, count, fq, fa, fda, between.get(key, 0), oq, cq, gap, flagged))

    drawer = conn.execute("SELECT id FROM accounts WHERE code = 'cash:drawer'").fetchone()[0]
    kinds = {
        k: (t, n)
        for k, t, n in conn.execute(
            # "+p.account_id": read by the shift's entries, not by every drawer posting in history.
            "SELECT e.kind, sum(p.amount_fen), count(DISTINCT e.id) FROM journal_entries e"
            " JOIN postings p ON p.entry_id = e.id WHERE e.shift_id = ? AND +p.account_id = ? GROUP BY e.kind",
            (sid, drawer),
        )
    }
    other = sum(t for k, (t, _n) in kinds.items() if k not in _CASH_KINDS and k not in ("cash_over_short", "float"))
    sales, sale_count = kinds.get("fill_sale", (0, 0))
    recharges, recharge_count = kinds.get("recharge", (0, 0))
    drops = conn.execute("SELECT created_at, amount_fen, attendant_id FROM cash_drops WHERE shift_id = ?", (sid,))
    drop_lines = [(at, amount, _who(names, a)) for at, amount, a in drops]
    dropped = -kinds.get("cash_drop", (0, 0))[0]
    expected = (
        float_fen + sales + recharges + kinds.get("fee", (0, 0))[0] + kinds.get("refund", (0, 0))[0] - dropped + other
    )
    counts = dict(conn.execute("SELECT denomination_fen, count FROM shift_cash_counts WHERE shift_id = ?", (sid,)))
    counted = sum(d * c for d, c in counts.items()) if record is not None else None

    by_type = dict(
        (t, (n, a))
        for t, n, a in conn.execute(
            "SELECT c.card_type = 'internal', count(*), sum(f.amount_fen) FROM journal_entries e"
            " JOIN fills f ON f.sale_entry_id = e.id JOIN cards c ON c.id = f.card_id"
            " WHERE e.shift_id = ? AND e.kind = 'fill_sale' AND f.payment_mode = 'card' GROUP BY 1",
            (sid,),
        )
    )
    debits = conn.execute(
        "SELECT coalesce(sum(p.amount_fen), 0) FROM journal_entries e JOIN postings p ON p.entry_id = e.id"
        " WHERE e.shift_id = ? AND e.kind = 'fill_sale' AND p.account_id IN (SELECT account_id FROM cards"
        " WHERE card_type != 'internal' UNION SELECT hold_account_id FROM cards WHERE card_type != 'internal')",
        (sid,),
    ).fetchone()[0]
    holds = conn.execute(
        "SELECT h.id, c.number, h.amount_fen FROM holds h JOIN cards c ON c.id = h.card_id WHERE h.id IN"
        " (SELECT id FROM holds WHERE resolved_at IS NULL AND created_at <= ?"
        " UNION SELECT id FROM holds WHERE resolved_at > ? AND created_at <= ?) ORDER BY h.id",
        (end, end, end),
    ).fetchall()

    flow = settings.timers.engine_off_to_flow_seconds * 1000
    commit = settings.timers.fill_end_to_commit_seconds * 1000
    timers = sorted((_who(names, a), *rest) for a, *rest in _timer_rows(conn, "shift_id = ?", (sid,), flow, commit))
    unpaid = conn.execute(
        "SELECT id FROM fills WHERE shift_id = ? AND (status = 'unpaid' OR"
        " (settled_at IS NOT NULL AND settled_at > ? AND amount_fen != 0)) ORDER BY id",
        (sid, end),
    ).fetchall()
    adopted = conn.execute("SELECT count(*) FROM fills WHERE shift_id = ? AND between_shifts = 1", (sid,)).fetchone()
    adopted_entries, adopted_cash = conn.execute(
        "SELECT count(DISTINCT e.id), coalesce(sum(CASE WHEN p.account_id = ? THEN p.amount_fen END), 0)"
        " FROM journal_entries e JOIN postings p ON p.entry_id = e.id WHERE e.shift_id = ? AND e.between_shifts = 1",
        (drawer, sid),
    ).fetchone()

    start_id = 0
    for event_id, detail in conn.execute(
        "SELECT id, detail FROM audit_events WHERE action = 'shift_opened' AND at >= ? ORDER BY at, id LIMIT 8",
        (opened,),
    ):
        if json.loads(detail).get("shift") == sid:
            start_id = event_id
            break
    events = conn.execute(
        "SELECT id, at, action, actor_id, detail FROM audit_events WHERE id > ? AND id <= ? AND action IN (?, ?, ?, ?)",
        (start_id, record[0] if record else 2**62, *_EVENTS),
    ).fetchall()
    levels = conn.execute("SELECT DISTINCT product_code, level FROM prices ORDER BY 1, 2").fetchall()
    at_open = [(p, lv, price) for p, lv in levels if (price := _price_at(conn, p, lv, opened)) is not None]
    conn.execute("SELECT * FROM prices WHERE effective_from > ? AND effective_from <= ?", (opened, end)).fetchall()
    staff = conn.execute(
        "SELECT attendant_id FROM shift_attendants WHERE shift_id = ? ORDER BY attendant_id", (sid,)
    ).fetchall()
    paying = by_type.get(0, (0, 0))
    internal = by_type.get(1, (0, 0))
    return {
        "fills": tuple(totals),
        "nozzles": tuple(nozzles),
        "cash": (
            float_fen,
            sales,
            sale_count,
            recharges,
            recharge_count,
            dropped,
            len(drop_lines),
            expected,
            counted,
            tuple((d, counts.get(d, 0)) for d in DENOMINATIONS_FEN),
        ),
        "cards": (paying[0], paying[1] or 0, debits, internal[0], internal[1] or 0, tuple(holds)),
        "timers": tuple(timers),
        "unpaid": tuple(i for (i,) in unpaid),
        "between": (adopted[0], adopted_entries, adopted_cash),
        "events": len(events),
        "prices_at_open": tuple(at_open),
        "attendants": tuple(_who(names, a) for (a,) in staff),
        "head": record[1],
    }


def _day_bounds(date: dt.date) -> tuple[str, str]:
    start = dt.datetime.combine(date, dt.time(0, 0), tzinfo=STATION_TZ).astimezone(dt.UTC)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return start.strftime(fmt), (start + dt.timedelta(days=1)).strftime(fmt)


def _day_shifts(conn: sqlite3.Connection, date: dt.date) -> list[int]:
    return [
        i
        for (i,) in conn.execute(
            "SELECT id FROM shifts WHERE status = 'closed' AND closed_at >= ? AND closed_at < ? ORDER BY id",
            _day_bounds(date),
        )
    ]


def day_figures(conn: sqlite3.Connection, settings: Settings, date: dt.date) -> list[dict[str, object]]:
    """Every closed shift of the day reconciled once, and the day-close row."""
    figures = [reconcile_figures(conn, settings, sid) for sid in _day_shifts(conn, date)]
    conn.execute("SELECT * FROM day_closes WHERE business_date = ?", (date.isoformat(),)).fetchall()
    return figures


def day_timers(conn: sqlite3.Connection, settings: Settings, date: dt.date) -> list[tuple]:
    """The day's per-attendant figures: one GROUP BY over the fills of the day's shifts."""
    shifts = _day_shifts(conn, date)
    names = _names(conn)
    marks = ",".join("?" * len(shifts))
    flow = settings.timers.engine_off_to_flow_seconds * 1000
    commit = settings.timers.fill_end_to_commit_seconds * 1000
    rows = _timer_rows(conn, f"shift_id IN ({marks})", tuple(shifts), flow, commit)
    return sorted((_who(names, a), *rest) for a, *rest in rows)
