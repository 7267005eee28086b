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


def test_a_write_while_another_process_holds_the_lock_fails_as_a_database_error(
    tmp_path: Path, station_settings: Settings, clock: FakeClock
) -> None:
    """BEGIN IMMEDIATE runs on the driver's cursor, and its "database is locked" still reaches the station as
    SQLAlchemy's OperationalError (the core turns that into "ledger unavailable"), nothing written."""
    import sqlite3

    import pytest
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    url = f"sqlite:///{tmp_path / 'station.db'}"
    upgrade(url)
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")  # after the station's own 10 s: the test waits less

    ledger = Ledger(engine, station_settings, pin_key=b"k" * 32, clock=clock)
    ledger.bootstrap()
    _manager, attendant = staff(ledger)
    holder = sqlite3.connect(tmp_path / "station.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            ledger.record_fill(record(1, 1200), attendant=attendant)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fills")).scalar() == 0
    fill = ledger.record_fill(record(1, 1200), attendant=attendant)  # the lock gone, the same sale goes in
    assert fill.created
    engine.dispose()
