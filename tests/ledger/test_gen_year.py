"""The year generator's books hold every invariant, and the reports read back the sums written."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

from station.config import Settings
from station.ledger import audit
from station.ledger.checks import check_ledger
from station.ledger.db import make_engine
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk

ROOT = Path(__file__).resolve().parents[2]


def _gen_year() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_year", ROOT / "scripts" / "gen_year.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_year"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_two_days_check_and_report_sums(tmp_path: Path, station_settings: Settings) -> None:
    gen = _gen_year()
    path = tmp_path / "year.db"
    url = f"sqlite:///{path}"
    key_path = tmp_path / "pin.key"
    stats = gen.generate(url, days=2, fills_per_shift=40, seed=7, pin_key=key_path)
    assert stats["fills"] == 160
    key = key_path.read_bytes()
    engine = make_engine(url)
    try:
        report = check_ledger(engine, audit.chain_key(key))
        assert report.ok, report.render()
        assert "audit chain" in " ".join(report.passed)

        raw = sqlite3.connect(path)
        desk = ShiftDesk(Ledger(engine, station_settings, key))
        shift_ids = [int(r[0]) for r in raw.execute("SELECT id FROM shifts ORDER BY id")]
        assert len(shift_ids) == 4
        for sid in shift_ids:
            count, qty, sales = raw.execute(
                "SELECT count(*), sum(quantity_centi), sum(amount_fen) FROM fills WHERE shift_id = ?", (sid,)
            ).fetchone()
            cash, card = raw.execute(
                "SELECT sum(CASE WHEN payment_mode = 'cash' THEN amount_fen ELSE 0 END),"
                " sum(CASE WHEN payment_mode = 'card' THEN amount_fen ELSE 0 END) FROM fills WHERE shift_id = ?",
                (sid,),
            ).fetchone()
            counted = raw.execute("SELECT counted_cash_fen FROM shifts WHERE id = ?", (sid,)).fetchone()[0]
            rec = desk.reconciliation(sid)
            assert (rec.fill_count, rec.quantity_centi, rec.sales_fen) == (count, qty, sales)
            assert rec.cash.cash_sales_fen == cash
            assert rec.cards.card_fills_fen == rec.cards.card_debits_fen == card
            assert rec.cash.expected_fen == rec.cash.counted_fen == counted
            assert rec.problems == ()
            assert sum(n.fills_quantity_centi for n in rec.nozzles) == qty
            assert sum(t.amount_fen for t in rec.timers) == sales
        raw.close()
    finally:
        engine.dispose()


def test_streamed_checks_name_what_was_broken(tmp_path: Path) -> None:
    """The streaming db check finds and words a deleted sale, a deleted entry and a stock change as before."""
    gen = _gen_year()
    path = tmp_path / "year.db"
    key_path = tmp_path / "pin.key"
    gen.generate(f"sqlite:///{path}", days=1, fills_per_shift=20, seed=3, pin_key=key_path)
    raw = sqlite3.connect(path)
    fill_id, sale = raw.execute("SELECT id, sale_entry_id FROM fills ORDER BY id LIMIT 1").fetchone()
    other_fill, qty = raw.execute("SELECT id, quantity_centi FROM fills ORDER BY id DESC LIMIT 1").fetchone()
    float_entry = raw.execute("SELECT id FROM journal_entries WHERE kind = 'float'").fetchone()[0]
    with raw:
        raw.execute("PRAGMA foreign_keys=OFF")
        for table in ("stock_movements", "receipt_jobs", "lane_authorizations"):
            raw.execute(f"DELETE FROM {table} WHERE fill_id = ?", (fill_id,))
        raw.execute("DELETE FROM fills WHERE id = ?", (fill_id,))
        raw.execute("UPDATE stock_movements SET quantity_centi = 1 WHERE fill_id = ?", (other_fill,))
        raw.execute("DELETE FROM postings WHERE entry_id = ?", (float_entry,))
        raw.execute("DELETE FROM journal_entries WHERE id = ?", (float_entry,))
    raw.close()
    engine = make_engine(f"sqlite:///{path}")
    try:
        text = check_ledger(engine, audit.chain_key(key_path.read_bytes())).render()
    finally:
        engine.dispose()
    assert f"sale entry {sale} has no fill (deleted)" in text
    assert f"entry {float_entry} is in the audit chain but not in the journal (deleted)" in text
    assert f"fill {other_fill} quantity {qty} has stock movement 1" in text
