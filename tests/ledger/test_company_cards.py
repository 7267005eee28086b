"""Company cards (一卡通) in the station's books, on SQLite and PostgreSQL: the offline allowance counts China's day,
and the card's balance is head office's as pulled plus this station's moves head office had not yet taken in."""

from __future__ import annotations

import datetime as dt

from station.ledger.company_cards import OFFLINE, ONLINE, CompanyHoldPlan
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import card, record, staff

CARD = "88000077"


def pulled(ledger: Ledger, version: int, balance: int, high_water: int) -> None:
    item = {"card_no": CARD, "balance_fen": balance, "record_fen": balance}
    assert ledger.apply_hq_pull({"version": version, "high_water": high_water, "balances": [item]})


def test_the_offline_allowance_is_counted_by_china_s_day(ledger: Ledger, clock: FakeClock) -> None:
    manager, attendant = staff(ledger, shift=True)
    card(ledger, manager, number=CARD, balance=0)
    pulled(ledger, 1, 50_000, 0)
    clock.now = dt.datetime(2026, 11, 21, 15, 30, tzinfo=dt.UTC)  # 23:30 in China, the 21st
    ledger.place_hold(attendant, CARD, 5_000, 1, 1, company=CompanyHoldPlan("DY-0001:a", OFFLINE))
    clock.now = dt.datetime(2026, 11, 21, 16, 30, tzinfo=dt.UTC)  # 00:30 in China: the 22nd, the same UTC day
    ledger.place_hold(attendant, CARD, 3_000, 1, 2, company=CompanyHoldPlan("DY-0001:b", OFFLINE))
    standing = ledger.company_standing(CARD)
    assert standing is not None and standing.offline_today_fen == 3_000


def test_the_balance_counts_a_settled_fill_once_before_and_after_head_office_takes_it_in(
    ledger: Ledger, clock: FakeClock
) -> None:
    manager, attendant = staff(ledger, shift=True)
    card(ledger, manager, number=CARD, balance=0)  # its money is head office's: nothing loaded here
    pulled(ledger, 1, 50_000, 0)
    hold = ledger.place_hold(attendant, CARD, 3_000, 1, 1, company=CompanyHoldPlan("DY-0001:c", ONLINE))
    assert ledger.card(number=CARD).balance_fen == 50_000  # held at head office, not spent yet
    fill = ledger.record_fill(record(1, 500, when=clock()), attendant=attendant)
    sale = ledger.settle_card(attendant, fill.id, CARD, hold_id=hold)
    assert sale.card.balance_fen == 50_000 - fill.amount_fen  # the receipt's balance
    settle = [r for r in ledger.outbox_after(0, 1_000) if r.kind == "card_hold_settle"]
    assert [r.payload["amount_fen"] for r in settle] == [fill.amount_fen]
    # A pull read before head office took the settle in: the move still counts.
    pulled(ledger, 2, 50_000, settle[0].seq - 1)
    assert ledger.card(number=CARD).balance_fen == 50_000 - fill.amount_fen
    # Read after: head office's balance has it, the move is dropped; counted once either way.
    pulled(ledger, 3, 50_000 - fill.amount_fen, settle[0].seq)
    assert ledger.card(number=CARD).balance_fen == 50_000 - fill.amount_fen
