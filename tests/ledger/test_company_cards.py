"""Company cards (一卡通) in the station's books, on SQLite and PostgreSQL: the offline allowance counts China's day,
and the card's balance is head office's as pulled plus this station's moves head office had not yet taken in."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from station.ledger.company_cards import OFFLINE, ONLINE, CompanyHoldPlan
from station.ledger.fills import FillRecord
from station.ledger.models_hq_pull import HqPull
from station.ledger.services import Ledger
from station.ledger.staff import Actor
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


_staff: dict[int, tuple[Actor, Actor]] = {}
_cards = itertools.count(1)
_fills = itertools.count(1)
OP = st.one_of(
    st.tuples(st.just("recharge"), st.integers(1, 50_000)),
    st.tuples(st.just("fill"), st.sampled_from([ONLINE, OFFLINE]), st.integers(1, 2_000)),
    st.tuples(st.just("pull"), st.floats(0, 1)),  # how far head office has got through the outbox
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OP, min_size=1, max_size=12))
def test_a_company_card_s_balance_counts_every_move_once_whatever_the_pulls(
    ledger: Ledger, clock: FakeClock, ops: list[tuple[object, ...]]
) -> None:
    """Recharges and fills (online or offline) on a company card, and pulls taken while head office has taken in
    any prefix of the station's outbox: the balance the station shows is always the true one, to the fen."""
    if id(ledger) not in _staff:  # one ledger for all the examples: each takes a card of its own
        _staff[id(ledger)] = staff(ledger, shift=True)
    manager, attendant = _staff[id(ledger)]
    number = f"8807{next(_cards):04d}"
    card(ledger, manager, number=number, balance=0)
    version = ledger.hq_version()
    with ledger._read() as session:
        high_water = int(session.scalar(select(HqPull.high_water)) or 0)
    truth = of_record = 100_000
    moves: list[tuple[int, int]] = []  # (outbox number, delta) of this card, as head office will apply them

    def pull() -> None:
        nonlocal version
        version += 1
        item = {"card_no": number, "balance_fen": of_record, "record_fen": of_record}
        assert ledger.apply_hq_pull({"version": version, "high_water": high_water, "balances": [item]})

    pull()
    for op in ops:
        if op[0] == "recharge":
            amount = int(op[1])  # type: ignore[call-overload]
            ledger.recharge(attendant, number, amount)
            seq = ledger.outbox_after(0, 100_000)[-1].seq
            moves.append((seq, amount))
            truth += amount
        elif op[0] == "fill":
            mode, quantity = str(op[1]), int(op[2])  # type: ignore[call-overload]
            n = next(_fills)
            hold = ledger.place_hold(attendant, number, 10_000, 1, 1, company=CompanyHoldPlan(f"DY-0001:p{n}", mode))
            fill = ledger.record_fill(record_of(n, quantity, clock), attendant=attendant)
            ledger.settle_card(attendant, fill.id, number, hold_id=hold)
            event = "card_hold_settle" if mode == ONLINE else "card_offline_use"
            seq = max(r.seq for r in ledger.outbox_after(0, 100_000) if r.kind == event)
            moves.append((seq, -fill.amount_fen))
            truth -= fill.amount_fen
        else:
            last = ledger.outbox_after(0, 100_000)[-1].seq
            high_water = max(high_water, high_water + int((last - high_water) * float(op[1])))  # type: ignore[arg-type]
            of_record = 100_000 + sum(delta for seq, delta in moves if seq <= high_water)
            pull()
        assert ledger.card(number=number).balance_fen == truth, (op, truth)


def record_of(n: int, quantity: int, clock: FakeClock) -> FillRecord:
    return record(n, quantity, when=clock())
