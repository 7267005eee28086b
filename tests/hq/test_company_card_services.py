"""Card services on a company card (一卡通) travel to head office and back to every station: reported lost at one
station, refused at the other after its next pull; replaced at one, the balance of record moves to the new card
at head office; closing one is refused at a station (its balance and refund are head office's); head office's daily
limit and bound plates refuse at the card step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from station.config import HeadOffice, Settings
from station.core.hq_sync import HqSync, hq_sync_for
from station.hq.cards import issue_card
from station.ledger.cards import ReplaceCause
from station.ledger.errors import Refused
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from tests.hq.conftest import Server
from tests.hq.test_chain_sync import station_ledger
from tests.ledger.helpers import card, staff

pytestmark = pytest.mark.postgres

CARD = "88000042"


def joined(
    tmp_path: Path, settings: Settings, code: str, base: str, plates: tuple[str, ...] = ("鲁E12345",)
) -> tuple[Ledger, HqSync, Actor, Actor]:
    ledger, _clock = station_ledger(tmp_path, settings, code)
    ledger.settings = ledger.settings.model_copy(
        update={"hq": HeadOffice(url=base, key_file=str(tmp_path / f"{code}.key"))}
    )
    manager, attendant = staff(ledger, shift=True)
    card(
        ledger, manager, number=CARD, balance=0, plates=list(plates)
    )  # the card's chip data issued to the station; its money at HQ
    sync = hq_sync_for(ledger, ledger.settings)
    assert sync is not None
    return ledger, sync, manager, attendant


def hq_card(engine: Engine, number: str) -> tuple[int, str, str]:
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT balance_fen, status, coalesce(reason, '') FROM hq_cards WHERE card_no = :c"), {"c": number}
        ).one()
    return int(row[0]), str(row[1]), str(row[2])


async def test_lost_at_one_station_is_refused_at_the_other_and_a_replacement_carries_the_balance(
    hq_process: Server, hq_engine: Engine, keys: dict[str, bytes], station_settings: Settings, tmp_path: Path
) -> None:
    issue_card(hq_engine, CARD, 12_345)
    east, east_sync, east_manager, east_attendant = joined(tmp_path, station_settings, "DY-0001", hq_process.base)
    west, west_sync, _west_manager, _ = joined(tmp_path, station_settings, "DY-0002", hq_process.base)
    try:
        for sync in (east_sync, west_sync):
            assert await sync.pull_once()
        assert east.card(number=CARD).balance_fen == 12_345 and east.card(number=CARD).company
        assert west.check_card_for_fill(number=CARD, plate="鲁E12345").number == CARD

        # Closing it here is refused in words, and changes nothing: its refund is head office's to pay.
        with pytest.raises(Refused) as refused:
            east.close_card(east_manager, CARD, "客户要求")
        assert refused.value.code == "company_card_close_at_hq"

        # Replaced at the east station: head office moves the balance of record to the new card.
        east.replace_card(
            east_manager, CARD, new_number="88000043", new_uid=None, cause=ReplaceCause.CARD_FAULT, pin="123456"
        )
        assert east.card(number="88000043").balance_fen == 12_345  # the station's copy follows the card at once
        while await east_sync.push_once():
            pass
        assert hq_card(hq_engine, CARD) == (0, "blocked", "replaced")
        assert hq_card(hq_engine, "88000043") == (12_345, "active", "")

        # The new card reported lost at the east station: refused at the west one after its pull.
        east.report_lost(east_attendant, "88000043")
        while await east_sync.push_once():
            pass
        assert hq_card(hq_engine, "88000043")[1:] == ("blocked", "lost")
        assert await west_sync.pull_once()
        with pytest.raises(Refused) as refused:
            west.check_card_for_fill(number=CARD)
        assert refused.value.code == "card_blacklisted" and refused.value.params["reason"] == "replaced"
    finally:
        for sync in (east_sync, west_sync):
            await sync.office.aclose()


async def test_head_office_card_rules_refuse_at_the_card_step(
    hq_process: Server, hq_engine: Engine, keys: dict[str, bytes], station_settings: Settings, tmp_path: Path
) -> None:
    issue_card(hq_engine, CARD, 50_000, daily_limit_fen=0, plates=["鲁A00001"])
    both = ("鲁E12345", "鲁A00001")
    east, sync, _manager, _attendant = joined(tmp_path, station_settings, "DY-0001", hq_process.base, both)
    try:
        assert await sync.pull_once()
        with pytest.raises(Refused) as refused:  # bound to another plate at head office
            east.check_card_for_fill(number=CARD, plate="鲁E12345")
        assert refused.value.code == "plate_not_bound"
        with pytest.raises(Refused) as refused:  # a daily limit of nothing
            east.check_card_for_fill(number=CARD, plate="鲁A00001")
        assert refused.value.code == "card_daily_limit" and refused.value.params["limit_fen"] == 0
    finally:
        await sync.office.aclose()
