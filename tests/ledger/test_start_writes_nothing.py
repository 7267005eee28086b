"""Opening a station that is already set up (schema at the head, accounts, products and prices there) writes
nothing and takes no write lock: a restart never waits on a sale, nor a sale on a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from station.runtime import open_station

WRITES = ("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER")


def test_second_open_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    url = f"sqlite:///{tmp_path / 'station.db'}"
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.lstrip())

    event.listen(Engine, "before_cursor_execute", record)
    try:
        first = open_station(url)  # a new database: made, migrated and bootstrapped
        first.close()
        made = [s for s in seen if s.startswith(WRITES)]
        seen.clear()
        again = open_station(url)
        prices = again.ledger.unit_price("CNG")
        again.close()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert made, "the first open made the schema and the standard accounts"
    assert prices > 0
    assert [s for s in seen if s.startswith(WRITES)] == []
