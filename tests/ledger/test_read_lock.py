"""Readers never take SQLite's write lock: a sale is recorded while a long report or check is reading."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from station.config import Settings
from station.ledger.checks import check_ledger
from station.ledger.db import make_engine, read_engine, upgrade
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import record, staff


def test_fill_recorded_while_a_long_read_transaction_is_open(
    tmp_path: Path, station_settings: Settings, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'station.db'}"
    upgrade(url)
    engine = make_engine(url, connect_args={"timeout": 1})
    ledger = Ledger(engine, station_settings, pin_key=b"k" * 32, clock=clock)
    ledger.bootstrap()
    _manager, attendant = staff(ledger)
    # Another process's report: a read transaction left open across the sale.
    report = make_engine(url)
    with read_engine(report).connect() as reader:
        reader.execute(text("SELECT count(*) FROM fills")).scalar()
        assert reader.in_transaction()
        fill = ledger.record_fill(record(1, 1200), attendant=attendant)
        ledger.settle_cash(attendant, fill.id, tendered_fen=fill.amount_fen)
        # The reader still sees its snapshot: no fill yet.
        assert reader.execute(text("SELECT count(*) FROM fills")).scalar() == 0
        # And a check run meanwhile does not block either.
        assert check_ledger(engine).ok
    assert len(ledger.unpaid_fills()) == 0
    report.dispose()
    engine.dispose()
