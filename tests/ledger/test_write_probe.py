"""The look-ups the core runs before authorizing and while sweeping, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from station.ledger.fills import FillRecord
from station.ledger.models import StationState
from station.ledger.services import Ledger


def test_probe_write_commits_and_leaves_nothing(ledger: Ledger) -> None:
    ledger.probe_write()
    ledger.probe_write()  # the key is free again: the probe took its row back
    with ledger._read() as session:
        assert session.scalar(select(StationState).where(StationState.key == "write_probe")) is None


def test_fill_recorded_looks_up_the_dispenser_key(ledger: Ledger) -> None:
    now = ledger.now()
    assert not ledger.fill_recorded(1, 1, 7)
    ledger.record_fill(FillRecord(1, 1, 7, "CNG", "kg", 450, 100, 450, now, now, stop_reason="preset_reached"))
    assert ledger.fill_recorded(1, 1, 7)
    assert not ledger.fill_recorded(1, 2, 7) and not ledger.fill_recorded(2, 1, 7)
