"""Scan-to-pay orders in the books: the order committed before the provider is asked, the sale booked once when
it says paid (clearing:<provider> / revenue:gas, the fill paid in mode mobile, its receipt job), a second paid
order for the same fill kept apart as money to give back, a refund by a manager only. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.config import Settings
from station.ledger.checks import check_ledger
from station.ledger.errors import InvalidInput, PermissionDenied, Refused
from station.ledger.models import PaymentMode
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import card, fingerprint, record, staff


def test_an_order_booked_once_when_paid(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(1, 1523), attendant=attendant)
    order = ledger.create_payment_order(attendant, fill.id, "wechat")
    assert order.state == "created" and order.amount_fen == fill.amount_fen
    assert order.order_no.endswith(f"F{fill.id}A1")
    assert [o.order_no for o in ledger.open_payment_orders()] == [order.order_no]
    ledger.move_payment_order(order.order_no, "paying")
    sale = ledger.book_paid_order(order.order_no, "4200001234")
    assert sale.booked and sale.receipt_no > 0 and sale.order.state == "paid"
    again = ledger.book_paid_order(order.order_no, "4200001234")  # a retry after a lost reply
    assert again.booked and again.receipt_no == 0 and again.order.sale_entry_id == sale.order.sale_entry_id
    assert ledger.account_balance("clearing:wechat") == fill.amount_fen
    assert ledger.account_balance("revenue:gas") == fill.amount_fen
    paid = ledger.fill(fill.id)
    assert paid.status.value == "paid" and paid.payment_mode is PaymentMode.MOBILE
    assert [s for s, _, _ in ledger.payment_order_history(order.order_no)] == ["created", "paying", "paid"]
    assert ledger.open_payment_orders() == []


def test_a_fill_paid_already_is_not_sold_twice(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(2, 1000), attendant=attendant)
    first = ledger.create_payment_order(attendant, fill.id, "alipay")
    with pytest.raises(Refused) as pending:
        ledger.create_payment_order(attendant, fill.id, "wechat")
    assert pending.value.code == "payment_order_pending"
    ledger.move_payment_order(first.order_no, "failed", "declined")
    second = ledger.create_payment_order(attendant, fill.id, "wechat")
    assert second.attempt == 2
    ledger.settle_cash(attendant, fill.id, 5000)  # the driver paid cash while the phone was still thinking
    late = ledger.book_paid_order(second.order_no, "4200009999")
    assert not late.booked and late.order.state == "duplicate"
    assert ledger.account_balance("clearing:wechat") == 0
    assert [o.order_no for o in ledger.open_payment_orders()] == [second.order_no]  # money to give back
    assert ledger.book_refund(second.order_no).state == "refunded"
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as settled:
        ledger.create_payment_order(attendant, fill.id, "wechat")
    assert settled.value.code == "fill_already_settled"
    assert fingerprint(ledger.engine) == before


def test_a_refund_by_a_manager_reverses_the_sale(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(3, 800), attendant=attendant)
    order = ledger.create_payment_order(attendant, fill.id, "alipay")
    ledger.book_paid_order(order.order_no, "2026112822001")
    with pytest.raises(PermissionDenied):
        ledger.begin_refund(attendant, order.order_no, "多扣款")
    with pytest.raises(InvalidInput):
        ledger.begin_refund(manager, order.order_no, " ")
    refunding = ledger.begin_refund(manager, order.order_no, "顾客重复付款")
    assert refunding.state == "refunding" and refunding.refund_no
    refunded = ledger.book_refund(order.order_no)
    assert refunded.state == "refunded"
    assert ledger.account_balance("clearing:alipay") == 0 and ledger.account_balance("revenue:gas") == 0
    refund_entry = ledger.journal(1)[0]
    assert refund_entry.kind == "mobile_refund" and refund_entry.reverses_id == refunded.sale_entry_id
    assert ledger.book_refund(order.order_no).state == "refunded"  # told twice: nothing new
    assert ledger.account_balance("revenue:gas") == 0
    report = check_ledger(ledger.engine, ledger.audit_key)  # `station db check` finds the books whole
    assert report.ok, report.render()


def test_an_order_survives_a_restart_of_the_ledger(
    ledger: Ledger, station_settings: Settings, clock: FakeClock
) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(4, 600), attendant=attendant)
    order = ledger.create_payment_order(attendant, fill.id, "wechat")
    # The process dies here, before the provider's answer; a new Ledger on the same database finds the order.
    reborn = Ledger(ledger.engine, station_settings, b"k" * 32, clock=clock)
    assert [o.order_no for o in reborn.open_payment_orders()] == [order.order_no]
    assert reborn.book_paid_order(order.order_no, "42000042").booked
    assert reborn.account_balance("clearing:wechat") == fill.amount_fen


def test_never_paid_twice(ledger: Ledger) -> None:
    """Whatever order the answers arrive in, the fill's money is booked at most once."""
    _, attendant = staff(ledger, shift=True)
    numbers = itertools.count(100)

    @settings(max_examples=20, deadline=None)
    @given(st.lists(st.sampled_from(["pay_first", "pay_second", "cash", "fail_first"]), min_size=1, max_size=6))
    def answers_in_any_order(moves: list[str]) -> None:
        fill = ledger.record_fill(record(next(numbers), 500), attendant=attendant)
        revenue = ledger.account_balance("revenue:gas")
        first = ledger.create_payment_order(attendant, fill.id, "wechat")
        ledger.move_payment_order(first.order_no, "failed")
        second = ledger.create_payment_order(attendant, fill.id, "alipay")
        for move in moves:
            try:
                if move == "pay_first":
                    ledger.book_paid_order(first.order_no, "t1")
                elif move == "pay_second":
                    ledger.book_paid_order(second.order_no, "t2")
                elif move == "cash":
                    ledger.settle_cash(attendant, fill.id, 5000)
                else:
                    ledger.move_payment_order(second.order_no, "failed")
            except Refused:
                pass  # a move the order's state does not allow: refused with nothing written
        booked = ledger.account_balance("revenue:gas") - revenue
        assert booked in (0, fill.amount_fen)
        assert (booked == 0) == (ledger.fill(fill.id).status.value == "unpaid")

    answers_in_any_order()


def test_the_shift_reconciliation_shows_mobile_takings_per_provider(ledger: Ledger) -> None:
    from station.ledger.shifts.desk import ShiftDesk

    manager, attendant = staff(ledger, shift=True)
    paid = []
    for number, provider in ((11, "wechat"), (12, "wechat"), (13, "alipay")):
        fill = ledger.record_fill(record(number, 1000), attendant=attendant)
        order = ledger.create_payment_order(attendant, fill.id, provider)
        ledger.book_paid_order(order.order_no, f"txn{number}")
        paid.append((order.order_no, fill.amount_fen))
    ledger.begin_refund(manager, paid[1][0], "加错枪")
    ledger.book_refund(paid[1][0])
    shift_id = ledger.current_shift()
    assert shift_id is not None
    mobile = {m.provider: m for m in ShiftDesk(ledger).reconciliation(shift_id).mobile}
    assert (mobile["wechat"].sales_fen, mobile["wechat"].sale_count) == (paid[0][1] + paid[1][1], 2)
    assert mobile["wechat"].net_fen == paid[0][1]
    assert (mobile["alipay"].net_fen, mobile["alipay"].refunds_fen) == (paid[2][1], 0)


def test_a_card_held_fill_paid_by_mobile_gives_the_hold_back(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    number = card(ledger, attendant, balance=50_000)
    ledger.place_hold(attendant, number, 10_000, 1, 1, sequence_id="s1")
    fill = ledger.record_fill(record(51, 1000), attendant=attendant, sequence_id="s1")
    order = ledger.create_payment_order(attendant, fill.id, "wechat")
    assert ledger.book_paid_order(order.order_no, "42000051").booked
    assert ledger.card(number=number).held_fen == 0 and ledger.account_balance(f"card:{number}") == 50_000
    report = check_ledger(ledger.engine, ledger.audit_key)
    assert report.ok, report.render()
