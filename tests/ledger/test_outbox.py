"""The outbox (发往总部): every business event written in its own transaction, numbered per station 1, 2, 3…
without a gap, keyed by the station's code; a refused operation writes nothing; concurrent writers never share
or skip a number. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.errors import LedgerError
from station.ledger.models_outbox import OutboxEvent
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.staff import Actor
from tests.conftest import FakeClock
from tests.ledger.helpers import card, record, staff
from tests.ledger.test_shifts import OPENING, closing, count_for


def events(ledger: Ledger) -> list[OutboxEvent]:
    with Session(ledger.engine) as session:
        return list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)))


def a_day(ledger: Ledger, clock: FakeClock, sales: int = 3) -> tuple[Actor, Actor, int]:
    """A shift: a card recharged, cash sales, a card sale, a drop, closed; returns the manager, attendant, shift."""
    manager, attendant = staff(ledger)
    desk = ShiftDesk(ledger)
    number = card(ledger, manager, balance=20_000)
    shift = desk.open_shift(manager, [attendant], 0, OPENING)
    ledger.recharge(attendant, number, 10_000)
    quantity = amount = 0
    for n in range(1, sales + 1):
        fill = ledger.record_fill(record(n, 1_000 + n, when=clock()), attendant=attendant)
        ledger.settle_cash(attendant, fill.id, 10_000)
        quantity, amount = quantity + fill.quantity_centi, amount + fill.amount_fen
        clock.advance(60)
    fill = ledger.record_fill(record(sales + 1, 500, when=clock()), attendant=attendant)
    ledger.settle_card(attendant, fill.id, number)
    quantity, amount = quantity + fill.quantity_centi, amount + fill.amount_fen
    ledger.cash_drop(attendant, 5_000)
    drawer = 10_000 + amount - fill.amount_fen - 5_000
    desk.close_shift(manager, closing(n1_1=(quantity, amount)), count_for(drawer - drawer % 10), note="test")
    return manager, attendant, shift


def test_every_event_of_a_day_is_in_the_outbox_numbered_without_a_gap(ledger: Ledger, clock: FakeClock) -> None:
    _manager, _attendant, shift = a_day(ledger, clock)
    rows = events(ledger)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.key.startswith(f"{ledger.settings.station.code}:{r.kind}:") for r in rows)
    assert len({r.key for r in rows}) == len(rows)
    kinds = Counter(r.kind for r in rows)
    assert kinds["sale"] == 4 and kinds["recharge"] == 1 and kinds["drop"] == 1 and kinds["shift_close"] == 1
    assert kinds["audit"] >= 10  # every journal entry and audited act: issue, recharges, sales, drop, close…
    rec = ShiftDesk(ledger).reconciliation(shift)
    sales = [json.loads(r.payload) for r in rows if r.kind == "sale"]
    assert sum(s["amount_fen"] for s in sales) == rec.sales_fen
    assert sum(s["amount_fen"] for s in sales if s["mode"] == "cash") == rec.cash.cash_sales_fen
    assert sum(s["amount_fen"] for s in sales if s["mode"] == "card") == rec.cards.card_fills_fen
    assert {s["shift_id"] for s in sales} == {shift} and all(s["attendant"] == "1001" for s in sales)
    (close,) = [json.loads(r.payload) for r in rows if r.kind == "shift_close"]
    assert close["shift_id"] == shift and close["sales_fen"] == rec.sales_fen
    assert close["business_date"] == rec.business_date.isoformat()  # type: ignore[union-attr]
    assert close["expected_cash_fen"] == rec.cash.expected_fen and close["drops_fen"] == 5_000


def test_a_refused_operation_writes_nothing_to_the_outbox(ledger: Ledger, clock: FakeClock) -> None:
    _manager, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(1, 1_000, when=clock()), attendant=attendant)
    before = events(ledger)
    with pytest.raises(LedgerError):
        ledger.settle_cash(attendant, fill.id, 1)  # less than due: refused
    with pytest.raises(LedgerError):
        ledger.cash_drop(attendant, 10**9)  # more than the drawer
    assert [(r.seq, r.key) for r in events(ledger)] == [(r.seq, r.key) for r in before]
    ledger.settle_cash(attendant, fill.id, 10_000)
    after = events(ledger)
    assert [r.seq for r in after] == list(range(1, len(after) + 1))  # the refused ones took no number


@pytest.mark.postgres
def test_concurrent_writers_share_no_number_and_skip_none(pg_schema_url: str, station_settings, clock) -> None:  # type: ignore[no-untyped-def]
    from station.ledger.db import make_engine, upgrade

    upgrade(pg_schema_url)
    engine = make_engine(pg_schema_url)
    ledger = Ledger(engine, station_settings, b"k" * 32, clock=clock)
    ledger.bootstrap()
    try:
        manager, attendant = staff(ledger, shift=True)
        numbers = [card(ledger, manager, number=f"8800010{i}", balance=0) for i in range(4)]
        errors: list[BaseException] = []

        def recharge(number: str) -> None:
            try:
                for _ in range(10):
                    ledger.recharge(attendant, number, 1_000)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=recharge, args=(n,)) for n in numbers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        rows = events(ledger)
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert Counter(r.kind for r in rows)["recharge"] == 40
    finally:
        engine.dispose()
