"""The shift books: every yuan and kilogram in exactly one shift (or the audited between-shifts bucket the next
shift adopts), the drawer and totalizers carried across the handover, a day close that refuses while anything
is open and closes the day for writes, prices that cannot start in the past. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.cards import ReplaceCause
from station.ledger.checks import check_ledger
from station.ledger.errors import Refused
from station.ledger.models import AuditEvent, Fill, JournalEntry
from station.ledger.reports.shift import shift_report
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.printouts.report import to_csv
from tests.conftest import FakeClock
from tests.ledger.helpers import card, fingerprint, record, staff
from tests.ledger.test_shifts import OPENING, closing, count_for


def refused(ledger: Ledger, code: str, call: object) -> Refused:
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as info:
        call()  # type: ignore[operator]
    assert info.value.code == code, info.value
    assert fingerprint(ledger.engine) == before, "a refused call changed the database"
    return info.value


def test_money_by_choice_is_refused_with_no_shift_open(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    c = card(ledger, manager, balance=10_000)
    shift = desk.open_shift(manager, [a], 0, OPENING)
    ledger.recharge(a, c, 5_000)
    recharge_entry = ledger.journal(1)[0].id
    desk.close_shift(manager, OPENING, count_for(5_000))
    assert ledger.current_shift() is None and shift
    refused(ledger, "no_open_shift", lambda: ledger.recharge(a, c, 1_000))
    refused(ledger, "no_open_shift", lambda: ledger.cash_drop(a, 1_000))
    refused(ledger, "no_open_shift", lambda: ledger.adjust(manager, c, 100, "goodwill"))
    refused(ledger, "no_open_shift", lambda: ledger.close_card(manager, c, "moved away"))
    refused(ledger, "no_open_shift", lambda: ledger.reverse_entry(manager, recharge_entry, "typo"))
    refused(
        ledger,
        "no_open_shift",
        lambda: ledger.replace_card(
            manager, c, new_number="88000009", new_uid=None, cause=ReplaceCause.CUSTOMER, pin="123456"
        ),
    )


def test_between_shift_fills_go_to_the_bucket_and_the_next_shift_adopts_them(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    s1 = desk.open_shift(manager, [a], 10_000, OPENING)
    f1 = ledger.record_fill(record(1, 1_000), attendant=a)
    ledger.settle_cash(a, f1.id, 4_500)
    clock.advance(60)
    desk.close_shift(manager, closing(n1_1=(1_000, 4_500)), count_for(14_500))
    # The dispenser delivers with no shift open: recorded (the gas is gone), into the bucket, audited.
    clock.advance(60)
    gap_fill = ledger.record_fill(record(2, 2_000), attendant=a)
    unpaid = ledger.record_fill(record(3, 500, dispenser=2, nozzle=2), attendant=a)
    ledger.settle_cash(a, gap_fill.id, 10_000)  # settled between shifts too: the money must not be trapped
    with Session(ledger.engine) as session:
        rows = session.scalars(select(Fill).where(Fill.id.in_([gap_fill.id, unpaid.id]))).all()
        assert [(f.shift_id, f.between_shifts) for f in rows] == [(None, True), (None, True)]
        sale = session.scalars(select(JournalEntry).where(JournalEntry.kind == "fill_sale")).all()[-1]
        assert (sale.shift_id, sale.between_shifts) == (None, True)
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions.count("between_shifts_fill") == 2 and "between_shifts_entry" in actions
    assert check_ledger(ledger.engine).ok

    # Next shift: totalizers moved by exactly the bucket's fills, so no note is needed; the bucket is adopted.
    clock.advance(60)
    readings = closing(n1_1=(3_000, 13_500), n2_2=(500, 2_250))
    s2 = desk.open_shift(manager, [a], 14_500, readings)
    rec = desk.reconciliation(s2)
    assert rec.between_shifts is not None
    assert [f.fill_id for f in rec.between_shifts.fills] == [gap_fill.id, unpaid.id]
    assert (rec.between_shifts.quantity_centi, rec.between_shifts.cash_fen) == (2_500, 9_000)
    # The cash settled between shifts is in this shift's drawer expectation; the unpaid fill is this shift's.
    assert rec.cash.expected_fen == 14_500 + 9_000 and rec.cash.cash_sales_fen == 9_000
    assert [u.fill_id for u in rec.unpaid_fills] == [unpaid.id]
    by_key = {(n.dispenser, n.nozzle): n for n in rec.nozzles}
    assert (by_key[(1, 1)].gap_from_previous_centi, by_key[(1, 1)].between_shifts_quantity_centi) == (2_000, 2_000)
    assert by_key[(1, 1)].unexplained_gap_centi == 0 and not rec.flagged_nozzles
    assert by_key[(1, 1)].fill_count == 0  # the bucket fill is not in the nozzle's delta of this shift
    # The shift report shows them in their own section (交班间隙), with the cash in the drawer expectation.
    text = to_csv(shift_report(ledger, s2), "en")
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0] == "between_shifts_fills"]
    assert [r[1] for r in rows[1:]] == [str(gap_fill.id), str(unpaid.id)]
    cash = {r[1]: r[2] for r in csv.reader(io.StringIO(text)) if r and r[0] == "cash"}
    assert (cash["Cash between shifts"], cash["Carried from last count"], cash["Expected"]) == (
        "90.00",
        "145.00",
        "235.00",
    )
    first = desk.reconciliation(s1).between_shifts
    assert first is not None and (first.fills, first.entry_count) == ((), 0)
    with Session(ledger.engine) as session:
        assert session.scalar(select(Fill.id).where(Fill.shift_id.is_(None))) is None
        assert session.scalar(select(JournalEntry.id).where(JournalEntry.shift_id.is_(None))) is None
    assert check_ledger(ledger.engine).ok


def test_totalizer_gap_and_float_need_a_note(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    desk.open_shift(manager, [a], 0, OPENING)
    f = ledger.record_fill(record(1, 1_382), attendant=a)
    ledger.settle_cash(a, f.id, f.amount_fen)
    counted = f.amount_fen
    assert counted == 6_219
    desk.close_shift(manager, closing(n1_1=(1_382, 6_219)), {5000: 1, 1000: 1, 100: 2, 10: 1, 5: 1, 2: 2})
    clock.advance(60)
    # 13.82 → 16.30 kg with nothing recorded between shifts: the gap is flagged and needs a note.
    gapped = closing(n1_1=(1_630, 7_335))
    err = refused(ledger, "totalizer_gap_needs_note", lambda: desk.open_shift(manager, [a], counted, gapped))
    assert err.params == {"nozzles": "1/1"}
    # The drawer counted 62.19; opening with the bare float would silently lose it.
    same = closing(n1_1=(1_382, 6_219))
    err = refused(ledger, "float_differs_needs_note", lambda: desk.open_shift(manager, [a], 0, same))
    assert err.params == {"float_fen": 0, "carried_fen": 6_219}
    s2 = desk.open_shift(manager, [a], 0, gapped, note="2.48 kg sold at the handover; 62.19 to the safe")
    rec = desk.reconciliation(s2)
    assert (rec.carried_cash_fen, rec.float_variance_fen) == (6_219, -6_219)
    gap = {(n.dispenser, n.nozzle): n for n in rec.nozzles}[(1, 1)]
    assert (gap.gap_from_previous_centi, gap.unexplained_gap_centi, gap.flagged) == (248, 248, True)
    assert rec.opening_note.startswith("2.48 kg")


def test_day_close_refuses_while_anything_is_open_then_the_day_takes_no_shift(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    c = card(ledger, manager, balance=10_000)
    day = dt.date(2026, 11, 21)
    s1 = desk.open_shift(manager, [a], 0, OPENING)
    refused(ledger, "shift_still_open", lambda: desk.day_close(manager, day))
    f = ledger.record_fill(record(1, 1_000), attendant=a)
    hold = ledger.place_hold(a, c, 2_000, 1, 2)
    desk.close_shift(manager, closing(n1_1=(1_000, 4_500)), {}, note="one fill unpaid")
    desk.sign_off(manager, s1)
    err = refused(ledger, "day_has_unpaid_fill", lambda: desk.day_close(manager, day))
    assert err.params == {"fill": f.id}
    ledger.settle_card(a, f.id, c)  # settled between shifts: into the bucket
    err = refused(ledger, "day_has_open_hold", lambda: desk.day_close(manager, day))
    assert err.params == {"hold": hold, "number": c}
    ledger.release_hold(a, hold)
    desk.day_close(manager, day)
    # The day is closed for writes: no new shift on it, no money by choice either.
    err = refused(ledger, "day_closed", lambda: desk.open_shift(manager, [a], 0, closing(n1_1=(1_000, 4_500))))
    assert err.params == {"date": "2026-11-21"}
    refused(ledger, "no_open_shift", lambda: ledger.recharge(a, c, 1_000))
    # The next business day (CST) opens its shift and adopts what happened in between.
    clock.now = dt.datetime(2026, 11, 21, 16, 0, 1, tzinfo=dt.UTC)  # 00:00:01 on the 22nd in China
    s2 = desk.open_shift(manager, [a], 0, closing(n1_1=(1_000, 4_500)))
    rec = desk.reconciliation(s2)
    assert rec.between_shifts is not None and rec.between_shifts.entry_count == 2  # sale, hold release
    assert check_ledger(ledger.engine).ok


def test_a_price_cannot_start_in_the_past(ledger: Ledger, clock: FakeClock) -> None:
    manager, _a = staff(ledger)
    before = ledger.unit_price("CNG")
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    err = refused(ledger, "price_in_past", lambda: ledger.set_price(manager, "CNG", 0, 500, "raise", past))
    assert err.params == {"effective_from": past.isoformat()}
    assert ledger.unit_price("CNG") == before
    # "Now" as typed at the desk is a few seconds old by the save: within a minute it is accepted.
    clock.advance(120)
    ledger.set_price(manager, "CNG", 0, 500, "raise", clock.now - dt.timedelta(seconds=30))
    assert ledger.unit_price("CNG") == 500


def test_audit_of_adoption_names_what_was_adopted(ledger: Ledger, clock: FakeClock) -> None:
    manager, a = staff(ledger)
    desk = ShiftDesk(ledger)
    f = ledger.record_fill(record(1, 700), attendant=a)
    s1 = desk.open_shift(manager, [a], 0, closing())
    with Session(ledger.engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "shift_opened")).one()
        assert json.loads(event.detail)["adopted_fills"] == [f.id]
    assert [x.fill_id for x in desk.reconciliation(s1).unpaid_fills] == [f.id]


def test_db_check_finds_money_outside_every_shift(ledger: Ledger, clock: FakeClock) -> None:
    manager, _a = staff(ledger, shift=True)
    c = card(ledger, manager, balance=5_000)
    assert c and check_ledger(ledger.engine).ok
    entry = ledger.journal(1)[0].id
    with Session(ledger.engine) as session, session.begin():
        row = session.get(JournalEntry, entry)
        assert row is not None
        row.shift_id = None  # a recharge that belongs to no shift and is not in the bucket
    report = check_ledger(ledger.engine)
    assert not report.ok
    assert any(
        f.startswith("every journal entry in a shift or the between-shifts bucket: entry") for f in report.failed
    )
    assert any(f.startswith("Σ shifts + between-shifts bucket = the whole journal") for f in report.failed)
