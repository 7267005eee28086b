"""A sequence's closing steps commit without waiting for the disk; every other write still waits for it.

SQLite: the lazy write runs with synchronous=NORMAL and the next ordinary write is back at FULL on the same
connection. PostgreSQL: synchronous_commit is off inside the lazy transaction only (SET LOCAL).
"""

from __future__ import annotations

from sqlalchemy import text

from station.ledger.services import Ledger


def _sync_setting(ledger: Ledger, lazy: bool) -> str:
    tx = ledger._lazy_tx if lazy else ledger._tx
    with tx() as session:
        if session.get_bind().dialect.name == "postgresql":
            return str(session.execute(text("SHOW synchronous_commit")).scalar())
        return {0: "off", 1: "normal", 2: "full", 3: "extra"}[int(session.execute(text("PRAGMA synchronous")).scalar())]


def test_only_the_lazy_write_skips_the_sync(ledger: Ledger) -> None:
    postgres = ledger.engine.dialect.name == "postgresql"
    synced, lazy = ("on", "off") if postgres else ("full", "normal")
    assert _sync_setting(ledger, lazy=False) == synced
    assert _sync_setting(ledger, lazy=True) == lazy
    # The next ordinary write on the (pooled) connection waits for the disk again.
    assert _sync_setting(ledger, lazy=False) == synced
    assert _sync_setting(ledger, lazy=False) == synced


def test_the_finish_is_committed_and_seen_by_another_connection(ledger: Ledger) -> None:
    ledger.finish_sequence([], steps=[])  # nothing to write: no transaction at all
    with ledger._lazy_tx() as session:
        session.execute(text("INSERT INTO station_state (key, value) VALUES ('lazy', 'kept')"))
    with ledger._read() as session:
        assert session.execute(text("SELECT value FROM station_state WHERE key = 'lazy'")).scalar() == "kept"
