"""The write probe the core runs before authorizing: a committed write, taken back, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from station.ledger.models import StationState
from station.ledger.services import Ledger


def test_probe_write_commits_and_leaves_nothing(ledger: Ledger) -> None:
    ledger.probe_write()
    ledger.probe_write()  # the key is free again: the probe took its row back
    with ledger._read() as session:
        assert session.scalar(select(StationState).where(StationState.key == "write_probe")) is None
