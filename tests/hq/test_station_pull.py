"""Head office's pull applied at the station, against the real ``station hq serve``: a card blocked at head office
is refused at this station's card step after the next pull, and unblocked it is taken again (a delta by
version: the changed cards' rows replaced); an older or equal version changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from station.config import HeadOffice, Settings
from station.core.hq_sync import hq_sync_for
from station.hq.cards import block_card, issue_card
from station.hq.db import next_version
from station.ledger.db import make_engine, upgrade
from station.ledger.errors import Refused
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.hq.conftest import Server
from tests.ledger.helpers import card, staff


async def test_a_card_blocked_at_head_office_is_refused_at_the_card_step_then_taken_again(
    hq_process: Server, hq_engine: Engine, tmp_path: Path, station_settings: Settings, clock: FakeClock
) -> None:
    code = station_settings.station.code
    hq = HeadOffice(url=hq_process.base, key_file=str(tmp_path / f"{code}.key"))
    url = f"sqlite:///{tmp_path / 'station.db'}"
    upgrade(url)
    engine = make_engine(url)
    ledger = Ledger(engine, station_settings.model_copy(update={"hq": hq}), b"k" * 32, clock=clock)
    ledger.bootstrap()
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager, number="88000077", balance=10_000)
    sync = hq_sync_for(ledger, ledger.settings)
    assert sync is not None
    try:
        issue_card(hq_engine, number, 10_000)
        with hq_engine.begin() as conn:
            assert block_card(conn, number, "lost")
        assert await sync.pull_once()
        assert not await sync.pull_once()  # nothing newer: nothing applied
        with pytest.raises(Refused) as refused:
            ledger.check_card_for_fill(number=number)
        assert refused.value.code == "card_blacklisted" and refused.value.params["reason"] == "lost"
        with hq_engine.begin() as conn:  # found again: active at head office, a newer version
            conn.execute(
                text("UPDATE hq_cards SET status = 'active', reason = '', version = :v WHERE card_no = :c"),
                {"c": number, "v": next_version(conn)},
            )
        assert await sync.pull_once()
        assert ledger.check_card_for_fill(number=number).number == number
    finally:
        await sync.office.aclose()
    engine.dispose()
