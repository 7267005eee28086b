"""Shifts (SPEC §6) on SQLite and PostgreSQL: open, drawer, close, reconciliation figure by figure, planted
problems, sign-off, day close, manager-only refusals and bad input (each refusal changes nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from station.ledger import audit
from station.ledger.cards import ReplaceCause
from station.ledger.checks import check_ledger
from station.ledger.errors import InvalidInput, LedgerError, NotFound, PermissionDenied, Refused
from station.ledger.models import Role
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import DENOMINATIONS_FEN, Totalizers
from station.ledger.staff import Actor
from tests.conftest import FakeClock
from tests.ledger.helpers import card, fingerprint, record, staff

# Opening totalizers of the four configured nozzles: (quantity 0.01 kg, amount fen, typed by hand).
OPENING: dict[tuple[int, int], tuple[int, int, bool]] = {
    (1, 1): (100_000, 450_000, False),
    (1, 2): (200_000, 900_000, False),
    (2, 1): (300_000, 1_350_000, True),  # dispenser 2 offline at the opening: typed from its display
    (2, 2): (400_000, 1_800_000, False),
}


def refused(ledger: Ledger, exc: type[LedgerError], code: str, call: Callable[[], object]) -> LedgerError:
    before = fingerprint(ledger.engine)
    with pytest.raises(exc) as info:
        call()
    assert info.value.code == code, info.value
    assert fingerprint(ledger.engine) == before, "a refused call changed the database"
    return info.value


def second_attendant(ledger: Ledger, manager: Actor) -> Actor:
    return ledger.create_attendant(manager, number="1002", name="加气员乙", role=Role.ATTENDANT, pin="2345")


def closing(**changes: tuple[int, int]) -> Totalizers:
    """Closing readings: the opening ones plus (quantity, amount) per nozzle named like n1_1."""
    out: dict[tuple[int, int], tuple[int, int, bool]] = {}
    for (d, n), (q, a, _typed) in OPENING.items():
        dq, da = changes.get(f"n{d}_{n}", (0, 0))
        out[(d, n)] = (q + dq, a + da, False)
    return out


def count_for(fen: int) -> dict[int, int]:
    """Greedy count of an amount (a multiple of 10 fen) into RMB denominations."""
    assert fen % 10 == 0
    out: dict[int, int] = {}
    for d in DENOMINATIONS_FEN:
        out[d], fen = divmod(fen, d)
    return out


def test_full_shift_every_figure(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    b = second_attendant(ledger, manager)
    desk = ShiftDesk(ledger)
    c1 = card(ledger, manager, number="88000001", balance=0)
    clock.advance(60)
    shift = desk.open_shift(manager, [a, "1002"], 50_000, OPENING)
    assert ledger.current_shift() == shift and ledger.drawer_cash() == 50_000

    clock.advance(60)
    ledger.recharge(a, c1, 100_000)  # cash recharge 1,000.00
    # Fill 1: A, nozzle 1/1, 15.20 kg × 4.50 = 68.40 cash; 25 s to flow, 40 s to commit.
    f1 = ledger.record_fill(record(1, 1520, dispenser=1, nozzle=1), attendant=a, engine_off_to_flow_ms=25_000)
    ledger.settle_cash(a, f1.id, 10_000, fill_end_to_commit_ms=40_000)
    # Fill 2: B, nozzle 1/2, 15.23 kg × 4.50 = 68.535 → 68.54 on card 1 through a 100.00 hold; 35 s, 70 s.
    hold = ledger.place_hold(b, c1, 10_000, 1, 2)
    f2 = ledger.record_fill(record(1, 1523, dispenser=1, nozzle=2), attendant=b, engine_off_to_flow_ms=35_000)
    ledger.settle_card(b, f2.id, c1, hold_id=hold, fill_end_to_commit_ms=70_000)
    # Fill 3: A, nozzle 2/1, 10.00 kg = 45.00 cash; 31 s, 20 s.
    f3 = ledger.record_fill(record(1, 1000, dispenser=2, nozzle=1), attendant=a, engine_off_to_flow_ms=31_000)
    ledger.settle_cash(a, f3.id, 5_000, fill_end_to_commit_ms=20_000)
    clock.advance(60)
    assert desk.cash_drop(a, 10_000).drops_fen == 10_000  # 100.00 to the safe
    # Fill 4: B, nozzle 1/1, 5.00 kg = 22.50 on card 1 directly; no engine-off time, 30 s.
    f4 = ledger.record_fill(record(2, 500, dispenser=1, nozzle=1), attendant=b)
    ledger.settle_card(b, f4.id, c1, fill_end_to_commit_ms=30_000)
    # Fill 5: A, nozzle 2/2, 8.00 kg = 36.00, left unpaid.
    f5 = ledger.record_fill(record(1, 800, dispenser=2, nozzle=2), attendant=a, engine_off_to_flow_ms=10_000)
    # Card 2: issued, 200.00 recharged, replaced (lost by the customer: 20.00 fee), the new card closed with refund.
    c2 = card(ledger, manager, number="88000002", balance=20_000)
    ledger.replace_card(manager, c2, new_number="88000003", new_uid=None, cause=ReplaceCause.CUSTOMER, pin="654321")
    assert ledger.close_card(manager, "88000003", "customer moved away") == 20_000
    ledger.record_override(manager, "cylinder_check", "inspection certificate shown", plate="鲁E12345")
    clock.advance(60)

    # Expected cash = 500.00 float + 113.40 cash sales + 1,200.00 recharges + 20.00 fee − 200.00 refund − 100.00 drop
    expected = 50_000 + (6_840 + 4_500) + (100_000 + 20_000) + 2_000 - 20_000 - 10_000
    assert expected == 153_340
    counted = {10000: 15, 1000: 3, 100: 3, 10: 4}  # 1,500 + 30 + 3 + 0.40 = 1,533.40
    closing_readings = closing(
        n1_1=(1_520 + 500, 6_840 + 2_250), n1_2=(1_523, 6_854), n2_1=(1_000, 4_500), n2_2=(800, 3_600)
    )
    rec = desk.close_shift(manager, closing_readings, counted, note="")
    head_at_close = rec.audit_head

    assert rec.shift_id == shift and rec.status == "closed"
    assert rec.opened_by == "9001 站长" and rec.closed_by == "9001 站长"
    assert rec.attendants == ("1001 加气员", "1002 加气员乙")
    assert rec.opened_at == dt.datetime(2026, 11, 21, 8, 1, tzinfo=dt.UTC)
    assert rec.closed_at == dt.datetime(2026, 11, 21, 8, 4, tzinfo=dt.UTC)
    assert rec.business_date == dt.date(2026, 11, 21)  # 16:04 in China
    assert (rec.fill_count, rec.quantity_centi, rec.sales_fen) == (5, 5_343, 6_840 + 6_854 + 4_500 + 2_250 + 3_600)
    assert rec.amount_mismatch_count == 0

    # Per nozzle: totalizer delta vs recorded fills, all in balance.
    by_key = {(n.dispenser, n.nozzle): n for n in rec.nozzles}
    assert sorted(by_key) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    n11 = by_key[(1, 1)]
    assert (n11.opening_quantity_centi, n11.closing_quantity_centi, n11.delta_quantity_centi) == (
        100_000,
        102_020,
        2_020,
    )
    assert (n11.opening_amount_fen, n11.closing_amount_fen, n11.delta_amount_fen) == (450_000, 459_090, 9_090)
    assert (n11.fill_count, n11.fills_quantity_centi, n11.fills_amount_fen, n11.fills_dispenser_amount_fen) == (
        2,
        2_020,
        9_090,
        9_090,
    )
    assert (n11.variance_quantity_centi, n11.variance_amount_fen, n11.flagged) == (0, 0, False)
    assert (n11.tolerance_centi, n11.amount_tolerance_fen) == (5, 23)  # 0.05 kg at 4.50 = 0.225 → 0.23
    assert (by_key[(1, 2)].delta_quantity_centi, by_key[(1, 2)].fills_amount_fen) == (1_523, 6_854)
    assert by_key[(2, 1)].opening_typed is True and by_key[(2, 1)].delta_amount_fen == 4_500
    assert (by_key[(2, 2)].fill_count, by_key[(2, 2)].variance_quantity_centi) == (1, 0)
    assert all(n.gap_from_previous_centi is None for n in rec.nozzles)  # the first shift
    assert rec.flagged_nozzles == ()

    # Cash.
    cash = rec.cash
    assert (cash.opening_float_fen, cash.cash_sales_fen, cash.cash_sale_count) == (50_000, 11_340, 2)
    assert (cash.recharges_fen, cash.recharge_count, cash.fees_fen, cash.refunds_fen) == (120_000, 2, 2_000, 20_000)
    assert (cash.drops_fen, len(cash.drops), cash.drops[0].amount_fen, cash.drops[0].attendant) == (
        10_000,
        1,
        10_000,
        "1001 加气员",
    )
    assert (cash.other_fen, cash.expected_fen, cash.counted_fen, cash.over_short_fen) == (0, 153_340, 153_340, 0)
    assert dict(cash.count) == {10000: 15, 5000: 0, 2000: 0, 1000: 3, 500: 0, 100: 3, 50: 0, 10: 4, 5: 0, 2: 0, 1: 0}
    assert ledger.drawer_cash() == 153_340  # the books' drawer equals the count handed over

    # Cards.
    cards = rec.cards
    assert (cards.card_fill_count, cards.card_fills_fen, cards.card_debits_fen, cards.debit_variance_fen) == (
        2,
        6_854 + 2_250,
        9_104,
        0,
    )
    assert (cards.internal_fill_count, cards.internal_fills_fen) == (0, 0)
    assert (cards.recharge_count, cards.recharges_fen) == (2, 120_000)
    assert (cards.open_holds, cards.open_holds_fen) == ((), 0)
    assert ledger.card(number=c1).balance_fen == 100_000 - 9_104

    # Timers per attendant.
    ta, tb = rec.timers
    assert (ta.attendant, ta.fill_count, ta.quantity_centi, ta.amount_fen) == ("1001 加气员", 3, 3_320, 14_940)
    assert (ta.flow_timed, ta.flow_over, ta.flow_over_permille, ta.flow_average_ms) == (3, 1, 333, 22_000)
    assert (ta.commit_timed, ta.commit_over, ta.commit_over_permille, ta.commit_average_ms) == (2, 0, 0, 30_000)
    assert (tb.attendant, tb.fill_count, tb.quantity_centi, tb.amount_fen) == ("1002 加气员乙", 2, 2_023, 9_104)
    assert (tb.flow_timed, tb.flow_over, tb.flow_over_permille, tb.flow_average_ms) == (1, 1, 1000, 35_000)
    assert (tb.commit_timed, tb.commit_over, tb.commit_over_permille, tb.commit_average_ms) == (2, 1, 500, 50_000)
    assert (rec.flow_limit_ms, rec.commit_limit_ms) == (30_000, 60_000)

    # Unpaid, cleared, voids, overrides, prices, audit head.
    assert [(u.fill_id, u.amount_fen, u.attendant) for u in rec.unpaid_fills] == [(f5.id, 3_600, "1001 加气员")]
    assert rec.unpaid_fen == 3_600
    assert rec.cleared_fills == () and rec.reversals == () and rec.adjustments == ()
    assert [(o.actor, o.summary, o.reason) for o in rec.overrides] == [
        ("9001 站长", "cylinder_check plate=鲁E12345", "inspection certificate shown")
    ]
    assert rec.price_changes == ()
    assert [(p.product_code, p.level, p.unit_price_fen) for p in rec.prices_at_open] == [
        ("CNG", 0, 450),
        ("CNG", 1, 430),
    ]
    assert rec.problems == ("unpaid_fills",) and not rec.needs_note
    with Session(ledger.engine) as session:
        chain = audit.verify(session)
    assert chain.ok and chain.head == head_at_close

    # The stored reconciliation reads back the same; sign-off keeps the close's chain head.
    assert desk.reconciliation(shift) == rec
    signed = desk.sign_off(manager, shift)
    assert signed.signed_off_by == "9001 站长" and signed.audit_head == head_at_close
    refused(ledger, Refused, "shift_already_signed_off", lambda: desk.sign_off(manager, shift))
    assert check_ledger(ledger.engine).ok

    # Handover: the next shift opens with the previous closing readings; the gap is 0 on every nozzle.
    # The drawer is carried: a float other than the 1,533.40 counted needs a note (the rest went to the safe).
    handover = {k: (q, amt, False) for k, (q, amt, _t) in closing_readings.items()}
    err = refused(ledger, Refused, "float_differs_needs_note", lambda: desk.open_shift(manager, [b], 50_000, handover))
    assert err.params == {"float_fen": 50_000, "carried_fen": 153_340}
    shift2 = desk.open_shift(manager, [b], 50_000, handover, note="1,033.40 to the safe")
    rec2 = desk.reconciliation()
    assert (rec2.carried_cash_fen, rec2.float_variance_fen, rec2.opening_note) == (
        153_340,
        -103_340,
        "1,033.40 to the safe",
    )
    assert rec2.shift_id == shift2 and rec2.status == "open"
    assert [n.gap_from_previous_centi for n in rec2.nozzles] == [0, 0, 0, 0]
    assert rec2.cash.expected_fen == 50_000 and rec2.cash.counted_fen is None
    # f5 is still unpaid; paid now, its cash belongs to the new shift's drawer.
    clock.advance(60)
    ledger.settle_cash(b, f5.id, 3_600)
    assert desk.reconciliation().cash.cash_sales_fen == 3_600
    assert [u.fill_id for u in desk.reconciliation(shift).unpaid_fills] == [f5.id]  # unpaid at its close


def test_planted_problems_are_found(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    c1 = card(ledger, manager, balance=50_000)
    clock.advance(60)
    shift = desk.open_shift(manager, [a], 20_000, OPENING)
    clock.advance(60)
    f1 = ledger.record_fill(record(1, 1000, dispenser=1, nozzle=1), attendant=a)
    ledger.settle_cash(a, f1.id, 5_000)  # 45.00 cash
    # A hold placed and left open (the fill never came).
    hold = ledger.place_hold(a, c1, 8_000, 2, 1)
    clock.advance(60)
    # Planted: a 20.00 kg / 90.00 transaction the dispenser made but the POS never recorded;
    # and a drawer counted 10.00 short (expected 200.00 + 45.00 = 245.00, counted 235.00).
    readings = closing(n1_1=(1_000 + 2_000, 4_500 + 9_000))
    short = count_for(23_500)
    err = refused(ledger, Refused, "variance_needs_note", lambda: desk.close_shift(manager, readings, short, note=" "))
    assert err.params["problems"] == ["totalizer_variance", "cash_short", "holds_open"]

    preview = desk.reconciliation(shift)  # still open: no closing figures yet
    assert preview.status == "open" and preview.cash.expected_fen == 24_500

    rec = desk.close_shift(manager, readings, short, note="1/1 sale missed while the POS restarted; 10 yuan short")
    n11 = next(n for n in rec.nozzles if (n.dispenser, n.nozzle) == (1, 1))
    assert (n11.delta_quantity_centi, n11.fills_quantity_centi, n11.variance_quantity_centi) == (3_000, 1_000, 2_000)
    assert (n11.delta_amount_fen, n11.fills_dispenser_amount_fen, n11.variance_amount_fen) == (13_500, 4_500, 9_000)
    assert n11.flagged and [(n.dispenser, n.nozzle) for n in rec.flagged_nozzles] == [(1, 1)]
    assert (rec.cash.expected_fen, rec.cash.counted_fen, rec.cash.over_short_fen) == (24_500, 23_500, -1_000)
    assert [(h.hold_id, h.card_number, h.amount_fen, h.dispenser, h.nozzle) for h in rec.cards.open_holds] == [
        (hold, c1, 8_000, 2, 1)
    ]
    assert rec.cards.open_holds_fen == 8_000
    assert rec.problems == ("totalizer_variance", "cash_short", "holds_open")
    assert rec.note.startswith("1/1 sale missed")
    assert ledger.drawer_cash() == 23_500  # the shortage is booked: the drawer handed over is what was counted
    assert ledger.account_balance("expense:cash_over_short") == 1_000
    # Releasing the hold later does not change what the closed shift reports.
    clock.advance(60)
    ledger.release_hold(a, hold)
    assert desk.reconciliation(shift).cards.open_holds_fen == 8_000
    assert check_ledger(ledger.engine).ok


def test_price_change_mid_shift(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    clock.advance(60)
    shift = desk.open_shift(manager, [a], 0, OPENING)
    clock.advance(60)
    before = ledger.unit_price("CNG")
    f1 = ledger.record_fill(record(1, 1000, price=before, dispenser=1, nozzle=1), attendant=a)
    ledger.settle_cash(a, f1.id, 5_000)
    clock.advance(60)
    changed_at = clock.now
    ledger.set_price(manager, "CNG", 0, 480, "supplier price up")
    clock.advance(60)
    after = ledger.unit_price("CNG")
    f2 = ledger.record_fill(record(2, 1000, price=after, dispenser=1, nozzle=1), attendant=a)
    ledger.settle_cash(a, f2.id, 5_000)
    assert (before, after, f1.amount_fen, f2.amount_fen) == (450, 480, 4_500, 4_800)
    clock.advance(60)
    rec = desk.close_shift(manager, closing(n1_1=(2_000, 9_300)), count_for(9_300))
    assert [
        (c.product_code, c.level, c.old_fen, c.new_fen, c.effective_from, c.set_by, c.reason) for c in rec.price_changes
    ] == [("CNG", 0, 450, 480, changed_at, "9001 站长", "supplier price up")]
    n11 = next(n for n in rec.nozzles if (n.dispenser, n.nozzle) == (1, 1))
    assert (n11.fills_amount_fen, n11.variance_amount_fen, n11.flagged) == (9_300, 0, False)
    assert rec.cash.over_short_fen == 0 and rec.shift_id == shift


def test_drawer_warning_at_the_limit(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    status = desk.drawer_status()
    assert (status.shift_id, status.cash_fen, status.warning) == (None, 0, False)
    desk.open_shift(manager, [a], 499_990, OPENING)
    assert desk.drawer_status().warning is False
    f = ledger.record_fill(record(1, 1000), attendant=a)
    ledger.settle_cash(a, f.id, 4_500)
    status = desk.drawer_status()
    assert (status.cash_fen, status.limit_fen, status.warning, status.excess_fen) == (504_490, 500_000, True, 4_490)
    status = desk.cash_drop(a, 300_000)
    assert (status.cash_fen, status.warning, status.drop_count, status.drops_fen) == (204_490, False, 1, 300_000)


def test_sign_off_and_day_close(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    clock.advance(60)
    s1 = desk.open_shift(manager, [a], 10_000, OPENING)
    f = ledger.record_fill(record(1, 1000), attendant=a)
    ledger.settle_cash(a, f.id, 4_500)
    clock.advance(60)
    refused(ledger, Refused, "shift_not_closed", lambda: desk.sign_off(manager, s1))
    desk.close_shift(manager, closing(n1_1=(1_000, 4_500)), count_for(14_500))
    clock.advance(60)
    readings = closing(n1_1=(1_000, 4_500))
    s2 = desk.open_shift(manager, [a], 14_500, readings)
    day = dt.date(2026, 11, 21)
    refused(ledger, Refused, "shift_still_open", lambda: desk.day_close(manager, day))
    clock.advance(60)
    f2 = ledger.record_fill(record(2, 2000), attendant=a)
    ledger.settle_cash(a, f2.id, 9_000)
    desk.close_shift(
        manager,
        {k: (q + 2_000, am + 9_000, t) if k == (1, 1) else (q, am, t) for k, (q, am, t) in readings.items()},
        count_for(23_500),
    )
    desk.sign_off(manager, s1)
    refused(ledger, Refused, "shift_not_signed_off", lambda: desk.day_close(manager, day))
    desk.sign_off(manager, s2)
    refused(ledger, Refused, "day_has_no_shifts", lambda: desk.day_close(manager, dt.date(2026, 11, 20)))
    summary = desk.day_close(manager, day, note="quiet day")
    assert summary.closed and summary.closed_by == "9001 站长" and summary.note == "quiet day"
    assert summary.shift_ids == (s1, s2)
    assert (summary.fill_count, summary.quantity_centi, summary.sales_fen) == (2, 3_000, 13_500)
    assert (summary.cash_sales_fen, summary.card_sales_fen, summary.drops_fen) == (13_500, 0, 0)
    assert (summary.expected_cash_fen, summary.counted_cash_fen, summary.over_short_fen) == (
        14_500 + 23_500,
        38_000,
        0,
    )
    assert [(t.attendant, t.fill_count, t.amount_fen) for t in summary.timers] == [("1001 加气员", 2, 13_500)]
    assert desk.day_summary(day) == summary
    refused(ledger, Refused, "day_already_closed", lambda: desk.day_close(manager, day))
    assert [s.day_closed for s in desk.shifts()] == [True, True]


def test_manager_only_actions_refused_for_an_attendant(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    clock.advance(60)
    refused(ledger, PermissionDenied, "manager_only", lambda: desk.open_shift(a, [a], 10_000, OPENING))
    shift = desk.open_shift(manager, [a], 10_000, OPENING)
    clock.advance(60)
    readings = closing()
    count = count_for(10_000)
    refused(ledger, PermissionDenied, "manager_only", lambda: desk.close_shift(a, readings, count, note="x"))
    desk.close_shift(manager, readings, count)
    refused(ledger, PermissionDenied, "manager_only", lambda: desk.sign_off(a, shift))
    desk.sign_off(manager, shift)
    refused(ledger, PermissionDenied, "manager_only", lambda: desk.day_close(a, dt.date(2026, 11, 21)))


def test_bad_input_refused_and_nothing_changed(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    missing = {k: v for k, v in OPENING.items() if k != (2, 2)}
    refused(ledger, InvalidInput, "totalizer_missing", lambda: desk.open_shift(manager, [a], 0, missing))
    extra = {**OPENING, (3, 1): (0, 0, False)}
    refused(ledger, InvalidInput, "nozzle_unknown", lambda: desk.open_shift(manager, [a], 0, extra))
    negative = {**OPENING, (1, 1): (-1, 0, False)}
    refused(ledger, InvalidInput, "totalizer_invalid", lambda: desk.open_shift(manager, [a], 0, negative))
    refused(ledger, InvalidInput, "attendants_required", lambda: desk.open_shift(manager, [], 0, OPENING))
    refused(ledger, NotFound, "attendant_unknown", lambda: desk.open_shift(manager, ["7777"], 0, OPENING))
    refused(ledger, InvalidInput, "amount_not_positive", lambda: desk.open_shift(manager, [a], -5, OPENING))
    refused(ledger, Refused, "no_open_shift", lambda: desk.close_shift(manager, closing(), {}))
    desk.open_shift(manager, [a], 0, OPENING)
    refused(ledger, Refused, "shift_already_open", lambda: desk.open_shift(manager, [a], 0, OPENING))
    clock.advance(60)
    refused(ledger, InvalidInput, "count_negative", lambda: desk.close_shift(manager, closing(), {10000: -1}))
    refused(ledger, InvalidInput, "denomination_unknown", lambda: desk.close_shift(manager, closing(), {300: 1}))
    refused(ledger, InvalidInput, "count_invalid", lambda: desk.close_shift(manager, closing(), {100: "2"}))  # type: ignore[dict-item]
    backwards = closing(n1_2=(-1, 0))
    err = refused(ledger, InvalidInput, "totalizer_backwards", lambda: desk.close_shift(manager, backwards, {}))
    assert err.params == {"dispenser": 1, "nozzle": 2, "which": "quantity"}
    backwards_amount = closing(n2_1=(0, -10))
    err = refused(ledger, InvalidInput, "totalizer_backwards", lambda: desk.close_shift(manager, backwards_amount, {}))
    assert err.params["which"] == "amount"
    desk.close_shift(manager, closing(), {})
    assert ledger.current_shift() is None


def test_preview_close_changes_nothing_and_fen_coins_balance_the_drawer(ledger: Ledger, clock: FakeClock) -> None:
    """A cash sale to the fen (15.23 kg × 4.50 = 68.54) counted exactly with 2 and 1 fen coins."""
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    refused(ledger, Refused, "no_open_shift", lambda: desk.preview_close(closing(), {}))
    desk.open_shift(manager, [a], 10_000, OPENING)
    f1 = ledger.record_fill(record(1, 1523, dispenser=1, nozzle=1), attendant=a)
    ledger.settle_cash(a, f1.id, 10_000)
    expected = 10_000 + 6854
    count = {10000: 1, 5000: 1, 1000: 1, 500: 1, 100: 3, 50: 1, 2: 2}
    assert sum(d * n for d, n in count.items()) == expected
    before = fingerprint(ledger.engine)
    preview = desk.preview_close(closing(n1_1=(1523, 6854)), count)
    assert fingerprint(ledger.engine) == before, "a preview changed the database"
    assert preview.status == "open" and preview.cash.expected_fen == preview.cash.counted_fen == expected
    assert preview.cash.over_short_fen == 0 and not preview.needs_note
    assert dict(preview.cash.count)[2] == 2 and dict(preview.cash.count)[1] == 0
    refused(
        ledger,
        InvalidInput,
        "totalizer_backwards",
        lambda: desk.preview_close(closing(n1_1=(-1, 0)), count),
    )
    rec = desk.close_shift(manager, closing(n1_1=(1523, 6854)), count)
    assert rec.cash.over_short_fen == 0 and rec.problems == ()
