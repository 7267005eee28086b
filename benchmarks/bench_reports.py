"""Reports at the query's pace (issue 12): each report ÷ hand-written raw sqlite3 computing the same figures.

Run: .venv/bin/python benchmarks/bench_reports.py [--year-db PATH] [--rounds 5]

The databases come from scripts/gen_year.py and are cached under var/bench/ (a year ≈ 1,000,000 fills, and one
day, both ending in the same 5,000-fill shift). Each figure is the median of paired runs (figures.paired_ratio);
before timing, the project's figures and the reference's are asserted equal. ``station db check`` runs as a
subprocess under /usr/bin/time -v for its wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import header, paired_ratio, row, timed
from reference_reports import day_figures, day_timers, reconcile_figures

from station.config import STATION_TZ, load_settings
from station.ledger import audit
from station.ledger.db import make_engine, upgrade
from station.ledger.reports.attendants import attendant_report
from station.ledger.reports.day import day_report
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import Reconciliation

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
KEY = CACHE / "pin.key"
BIG_SHIFT = 5000
PER_SHIFT = 1370  # × 730 shifts ≈ 1,000,000 fills


def _gen_year() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_year", ROOT / "scripts" / "gen_year.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_year"] = module
    spec.loader.exec_module(module)
    return module


def cached_db(days: int) -> Path:
    """The generated database for ``days`` days ending in the 5,000-fill shift (made once, then reused)."""
    path = CACHE / f"year-{days}d-{PER_SHIFT}f-{BIG_SHIFT}l-s12.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        _gen_year().generate(
            f"sqlite:///{path}",
            days=days,
            fills_per_shift=PER_SHIFT,
            seed=12,
            pin_key=KEY,
            last_shift_fills=BIG_SHIFT,
        )
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    upgrade(f"sqlite:///{path}")  # a cache made before a migration gets its indexes
    return path


def _ledger(path: Path) -> Ledger:
    settings = load_settings(ROOT / "config" / "station.toml")
    return Ledger(make_engine(f"sqlite:///{path}"), settings, KEY.read_bytes())


def project_figures(rec: Reconciliation) -> dict[str, object]:
    """The reconciliation's figures in the reference's shape (reference_reports.reconcile_figures)."""
    return {
        "fills": (rec.fill_count, rec.quantity_centi, rec.sales_fen, rec.amount_mismatch_count),
        "nozzles": tuple(
            (
                n.dispenser,
                n.nozzle,
                n.product_code,
                n.fill_count,
                n.fills_quantity_centi,
                n.fills_amount_fen,
                n.fills_dispenser_amount_fen,
                n.between_shifts_quantity_centi,
                n.opening_quantity_centi,
                n.closing_quantity_centi,
                n.gap_from_previous_centi,
                n.flagged,
            )
            for n in rec.nozzles
        ),
        "cash": (
            rec.cash.opening_float_fen,
            rec.cash.cash_sales_fen,
            rec.cash.cash_sale_count,
            rec.cash.recharges_fen,
            rec.cash.recharge_count,
            rec.cash.drops_fen,
            len(rec.cash.drops),
            rec.cash.expected_fen,
            rec.cash.counted_fen,
            rec.cash.count,
        ),
        "cards": (
            rec.cards.card_fill_count,
            rec.cards.card_fills_fen,
            rec.cards.card_debits_fen,
            rec.cards.internal_fill_count,
            rec.cards.internal_fills_fen,
            tuple((h.hold_id, h.card_number, h.amount_fen) for h in rec.cards.open_holds),
        ),
        "timers": tuple(
            (
                t.attendant,
                t.fill_count,
                t.quantity_centi,
                t.amount_fen,
                t.flow_timed,
                t.flow_over,
                t.flow_total_ms,
                t.commit_timed,
                t.commit_over,
                t.commit_total_ms,
            )
            for t in rec.timers
        ),
        "unpaid": tuple(f.fill_id for f in rec.unpaid_fills),
        "between": (len(rec.between_shifts.fills), rec.between_shifts.entry_count, rec.between_shifts.cash_fen)
        if rec.between_shifts
        else None,
        "events": len(rec.reversals) + len(rec.overrides) + len(rec.adjustments) + len(rec.cleared_fills),
        "prices_at_open": tuple((p.product_code, p.level, p.unit_price_fen) for p in rec.prices_at_open),
        "attendants": rec.attendants,
        "head": rec.audit_head,
    }


def _last_shift(path: Path) -> tuple[int, dt.date]:
    conn = sqlite3.connect(path)
    sid, closed = conn.execute("SELECT id, closed_at FROM shifts ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    moment = dt.datetime.fromisoformat(closed).replace(tzinfo=dt.UTC)
    return int(sid), moment.astimezone(STATION_TZ).date()


def _median_time(fn: object, rounds: int) -> float:
    assert callable(fn)
    return statistics.median(timed(fn) for _ in range(rounds))


def bench_shift(path: Path, rounds: int, sid: int | None = None) -> tuple[float, float]:
    """A shift (default the last, 5,000-fill one): ratio to the reference, and the project's median time."""
    ledger = _ledger(path)
    desk = ShiftDesk(ledger)
    sid = sid or _last_shift(path)[0]
    conn = sqlite3.connect(path)
    settings = ledger.settings
    assert project_figures(desk.reconciliation(sid)) == reconcile_figures(conn, settings, sid)
    ratio = paired_ratio(lambda: desk.reconciliation(sid), lambda: reconcile_figures(conn, settings, sid), rounds)
    seconds = _median_time(lambda: desk.reconciliation(sid), rounds)
    conn.close()
    ledger.engine.dispose()
    return ratio, seconds


def bench_day(path: Path, rounds: int) -> tuple[float, float, float, float]:
    """The last day's report and its attendants report: ratios and the project's median times."""
    ledger = _ledger(path)
    _sid, date = _last_shift(path)
    conn = sqlite3.connect(path)
    settings = ledger.settings
    day, recs = ShiftDesk(ledger).day(date)
    assert [project_figures(r) for r in recs] == day_figures(conn, settings, date)
    assert list(day.timers) == list(ShiftDesk(ledger).day_timers(date))
    want = [[t.attendant, t.fill_count, t.quantity_centi, t.amount_fen] for t in day.timers]
    assert want == [list(t[:4]) for t in day_timers(conn, settings, date)]
    day_ratio = paired_ratio(lambda: day_report(ledger, date), lambda: day_figures(conn, settings, date), rounds)
    day_s = _median_time(lambda: day_report(ledger, date), rounds)
    att_ratio = paired_ratio(
        lambda: attendant_report(ledger, business_date=date), lambda: day_timers(conn, settings, date), rounds
    )
    att_s = _median_time(lambda: attendant_report(ledger, business_date=date), rounds)
    conn.close()
    ledger.engine.dispose()
    return day_ratio, day_s, att_ratio, att_s


def bench_check(path: Path) -> tuple[float, int, bool]:
    """``station db check`` as the CLI runs it, under /usr/bin/time -v: wall seconds, peak RSS KiB, verdict."""
    env = {"STATION_PIN_KEY": str(KEY), "PATH": "/usr/bin:/bin"}
    started = time.perf_counter()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-v",
            str(Path(sys.executable).parent / "station"),
            "db",
            "check",
            "--db",
            f"sqlite:///{path}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - started
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert match, done.stderr[-2000:]
    return wall, int(match.group(1)), done.returncode == 0 and "every invariant holds" in done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year-db", type=Path, default=None, help="a year from gen_year (default: cached)")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    year = args.year_db or cached_db(365)
    if args.year_db is not None:
        upgrade(f"sqlite:///{year}")
    small = cached_db(1)
    audit.chain_key(KEY.read_bytes())  # the key the cached databases were written with must be there
    header()
    small_ratio, small_s = bench_shift(small, args.rounds)
    row(
        f"shift reconciliation, {BIG_SHIFT:,}-fill shift, ÷ hand-written GROUP BY (1-day DB)",
        f"{small_ratio:.2f}× ({small_s * 1000:.1f} ms)",
        "≤ 1.5×",
        small_ratio <= 1.5,
    )
    year_ratio, year_s = bench_shift(year, args.rounds)
    row(
        f"the same shift after a year of history ({year.name})",
        f"{year_ratio:.2f}× ({year_s * 1000:.1f} ms; 1-day DB {small_s * 1000:.1f} ms, year/1-day "
        f"{year_s / small_s:.2f})",
        "≤ 1.5×, cost independent of history",
        year_ratio <= 1.5,
    )
    old_ratio, old_s = bench_shift(year, args.rounds, sid=2)
    row(
        f"(shown, no goal) the year's 2nd shift ({PER_SHIFT:,} fills): its open holds are read from the holds "
        "resolved after it",
        f"{old_ratio:.2f}× ({old_s * 1000:.1f} ms)",
        "—",
        True,
    )
    day_ratio, day_s, att_ratio, att_s = bench_day(year, args.rounds)
    row(
        "day report on the year DB ÷ reference", f"{day_ratio:.2f}× ({day_s * 1000:.1f} ms)", "≤ 1.5×", day_ratio <= 1.5
    )
    row(
        "attendants report for a day on the year DB ÷ reference",
        f"{att_ratio:.2f}× ({att_s * 1000:.1f} ms)",
        "≤ 1.5×",
        att_ratio <= 1.5,
    )
    wall, rss_kib, ok = bench_check(year)
    row(
        "`station db check` on the year DB (subprocess, /usr/bin/time -v)",
        f"{wall:.0f} s, {rss_kib / 1024:.0f} MiB peak{'' if ok else ', FAILED'}",
        "streaming; ≤ 200 MiB",
        ok and rss_kib <= 200 * 1024,
    )


if __name__ == "__main__":
    main()
