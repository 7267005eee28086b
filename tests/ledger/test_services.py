"""Ledger services on SQLite and PostgreSQL: the happy paths, the refusals, and that refusals change nothing."""

from __future__ import annotations

import pytest

from station.ledger.cards import ReplaceCause
from station.ledger.checks import check_ledger
from station.ledger.errors import InvalidInput, LedgerError, NotFound, PermissionDenied, Refused
from station.ledger.journal import CASH_DRAWER, GAS_REVENUE
from station.ledger.models import CardStatus, CardType, FillStatus, Role
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from tests.ledger.helpers import card, fingerprint, record, staff


def assert_refused_unchanged(ledger: Ledger, exc: type[LedgerError], code: str, call: object) -> LedgerError:
    before = fingerprint(ledger.engine)
    with pytest.raises(exc) as info:
        call()  # type: ignore[operator]
    assert info.value.code == code, info.value
    assert fingerprint(ledger.engine) == before, "a refused call changed the database"
    return info.value


def test_card_fill_with_hold_settles_and_releases_rest(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager, balance=50_000)
    ledger.verify_card_pin(number, "123456")
    ledger.check_card_for_fill(number=number, plate="鲁e 12345")
    hold = ledger.place_hold(attendant, number, 10_000, 1, 1)
    view = ledger.card(number=number)
    assert (view.balance_fen, view.held_fen) == (40_000, 10_000)
    fill = ledger.record_fill(record(1, 1523), attendant=attendant)
    assert fill.amount_fen == 6854 and fill.status is FillStatus.UNPAID  # 4.50 × 15.23 = 68.535 → 68.54
    settled = ledger.settle_card(attendant, fill.id, number, hold_id=hold)
    assert settled.card.balance_fen == 50_000 - 6854 and settled.card.held_fen == 0
    assert ledger.account_balance(GAS_REVENUE) == 6854
    with pytest.raises(Refused) as info:
        ledger.release_hold(attendant, hold)
    assert info.value.code == "hold_already_resolved"
    assert check_ledger(ledger.engine).ok


def test_cash_sale_change_and_drawer(ledger: Ledger) -> None:
    _manager, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(7, 847), attendant=attendant)
    sale = ledger.settle_cash(attendant, fill.id, 5000)
    assert (sale.due_fen, sale.tendered_fen, sale.change_fen) == (3812, 5000, 1188)
    assert ledger.account_balance(CASH_DRAWER) == 3812
    assert_refused_unchanged(
        ledger, Refused, "fill_already_settled", lambda: ledger.settle_cash(attendant, fill.id, 5000)
    )


def test_record_fill_is_idempotent(ledger: Ledger) -> None:
    _, attendant = staff(ledger, shift=True)
    first = ledger.record_fill(record(3, 1000), attendant=attendant)
    before = fingerprint(ledger.engine)
    again = ledger.record_fill(record(3, 1000), attendant=attendant)
    assert again.id == first.id and again.created is False
    assert fingerprint(ledger.engine) == before
    assert ledger.stock_centi("CNG") == -1000


def test_amount_mismatch_is_flagged_not_overwritten(ledger: Ledger) -> None:
    staff(ledger)
    rec = record(4, 1000)
    odd = type(rec)(**{**rec.__dict__, "dispenser_amount_fen": rec.dispenser_amount_fen + 5})
    fill = ledger.record_fill(odd)
    assert fill.amount_fen == 4500 and fill.dispenser_amount_fen == 4505 and fill.amount_mismatch


def test_a_malformed_pin_costs_no_try(ledger: Ledger) -> None:
    manager, _ = staff(ledger)
    number = card(ledger, manager)
    for typo in ("1", "12", "123", "12a456", "123456789", "", "１２３４５６"):
        with pytest.raises(InvalidInput) as info:
            ledger.verify_card_pin(number, typo)
        assert info.value.code == "pin_format"
    view = ledger.card(number=number)
    assert view.failed_pin_count == 0 and view.status is CardStatus.ACTIVE
    with pytest.raises(Refused) as wrong:
        ledger.verify_card_pin(number, "000000")  # well-formed and wrong: this one counts
    assert wrong.value.params["tries_left"] == 2


def test_wrong_pin_counts_survive_and_lock(ledger: Ledger, station_settings: object) -> None:
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager)
    for left in (2, 1):
        with pytest.raises(Refused) as info:
            ledger.verify_card_pin(number, "000000")
        assert info.value.code == "pin_wrong" and info.value.params["tries_left"] == left
    # a new Ledger on the same database (a restart) still knows the count
    restarted = Ledger(ledger.engine, ledger.settings, b"k" * 32)
    with pytest.raises(Refused) as info:
        restarted.verify_card_pin(number, "000000")
    assert info.value.code == "card_locked"
    assert ledger.card(number=number).status is CardStatus.LOCKED
    with pytest.raises(Refused):
        ledger.verify_card_pin(number, "123456")
    ledger.reset_card_pin(manager, number, "777777", "driver forgot")
    assert ledger.verify_card_pin(number, "777777").status is CardStatus.ACTIVE


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("lost", "card_lost"),
        ("closed", "card_closed"),
        ("plate", "plate_not_bound"),
        ("low", "balance_low"),
        ("unknown", "card_not_ours"),
        ("expired", "card_expired"),
    ],
)
def test_card_check_refusals(ledger: Ledger, setup: str, code: str) -> None:
    import datetime as dt

    manager, _ = staff(ledger, shift=True)
    number = card(
        ledger,
        manager,
        balance=1000 if setup == "low" else 50_000,
        expires_on=dt.date(2020, 1, 1) if setup == "expired" else None,
    )
    plate = "鲁E12345"
    if setup == "lost":
        ledger.report_lost(manager, number)
    elif setup == "closed":
        ledger.close_card(manager, number, "customer left")
    elif setup == "plate":
        plate = "鲁E00000"
    elif setup == "unknown":
        number = "99999999"
    assert_refused_unchanged(ledger, Refused, code, lambda: ledger.check_card_for_fill(number=number, plate=plate))


def test_bad_input_changes_nothing(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager)
    assert_refused_unchanged(
        ledger, InvalidInput, "amount_not_positive", lambda: ledger.recharge(attendant, number, -5)
    )
    assert_refused_unchanged(ledger, InvalidInput, "amount_not_positive", lambda: ledger.recharge(attendant, number, 0))
    assert_refused_unchanged(
        ledger, InvalidInput, "amount_too_large", lambda: ledger.recharge(attendant, number, 10**12)
    )
    assert_refused_unchanged(
        ledger, InvalidInput, "amount_not_integer", lambda: ledger.recharge(attendant, number, 1.5)
    )  # type: ignore[arg-type]
    assert_refused_unchanged(ledger, NotFound, "card_unknown", lambda: ledger.recharge(attendant, "12345678", 100))
    assert_refused_unchanged(
        ledger, Refused, "balance_insufficient", lambda: ledger.place_hold(attendant, number, 50_001, 1, 1)
    )
    fill = ledger.record_fill(record(1, 100_000))  # 4,500 yuan: more than the card holds
    assert_refused_unchanged(
        ledger, Refused, "balance_insufficient", lambda: ledger.settle_card(attendant, fill.id, number)
    )
    assert_refused_unchanged(
        ledger, InvalidInput, "tendered_too_little", lambda: ledger.settle_cash(attendant, fill.id, 100)
    )
    assert_refused_unchanged(
        ledger, InvalidInput, "pin_format", lambda: ledger.reset_card_pin(manager, number, "12ab", "x")
    )


def test_manager_only_services_refuse_attendant(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager)
    fill = ledger.record_fill(record(1, 100))
    calls = {
        "adjust": lambda: ledger.adjust(attendant, number, 100, "goodwill"),
        "close": lambda: ledger.close_card(attendant, number, "x"),
        "replace": lambda: ledger.replace_card(
            attendant, number, new_number="88000009", new_uid=None, cause=ReplaceCause.CARD_FAULT, pin="123456"
        ),
        "reset_pin": lambda: ledger.reset_card_pin(attendant, number, "123456", "x"),
        "clear": lambda: ledger.clear_unpaid_fill(attendant, fill.id, "drive-off"),
        "price": lambda: ledger.set_price(attendant, "CNG", 0, 480, "market"),
        "staff": lambda: ledger.create_attendant(attendant, number="1002", name="x", role=Role.MANAGER, pin="1234"),
        "reverse": lambda: ledger.reverse_entry(attendant, 1, "x"),
        "override": lambda: ledger.record_override(attendant, "cylinder", "x"),
        "shift": lambda: ShiftDesk(ledger).open_shift(
            attendant, ["1001"], 0, {(n.dispenser, n.nozzle): (0, 0, False) for n in ledger.settings.nozzles}
        ),
    }
    for name, call in calls.items():
        before = fingerprint(ledger.engine)
        with pytest.raises(PermissionDenied) as info:
            call()
        assert info.value.code == "manager_only", name
        assert fingerprint(ledger.engine) == before, name


def test_replace_moves_balance_and_charges_fee_only_for_customer_fault(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    old = card(ledger, manager, balance=30_000)
    ledger.report_lost(manager, old)
    new = ledger.replace_card(
        manager, old, new_number="88000010", new_uid="04FFEE01", cause=ReplaceCause.CUSTOMER, pin="123456"
    )
    assert new.balance_fen == 30_000 and new.plates == ("鲁E12345",)
    assert ledger.card(number=old).status is CardStatus.CLOSED
    assert ledger.account_balance("revenue:fees") == ledger.settings.thresholds.replacement_card_fee
    newer = ledger.replace_card(
        manager, "88000010", new_number="88000011", new_uid=None, cause=ReplaceCause.CARD_FAULT, pin="123456"
    )
    assert newer.balance_fen == 30_000
    assert ledger.account_balance("revenue:fees") == ledger.settings.thresholds.replacement_card_fee
    assert check_ledger(ledger.engine).ok


def test_replace_refused_with_open_hold(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager)
    ledger.place_hold(attendant, number, 5000, 1, 1)
    ledger.report_lost(manager, number)
    assert_refused_unchanged(
        ledger,
        Refused,
        "card_has_open_hold",
        lambda: ledger.replace_card(
            manager, number, new_number="88000012", new_uid=None, cause=ReplaceCause.CUSTOMER, pin="123456"
        ),
    )


def test_close_refunds_cash(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager, balance=12_345)
    assert ledger.close_card(manager, number, "moving away") == 12_345
    assert ledger.account_balance(CASH_DRAWER) == 0
    assert_refused_unchanged(ledger, Refused, "card_closed", lambda: ledger.recharge(manager, number, 100))


def test_account_card_credit_limit(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager, number="77000001", balance=0, card_type=CardType.ACCOUNT, credit_limit_fen=10_000)
    fill = ledger.record_fill(record(1, 2000))  # 90.00
    assert ledger.settle_card(attendant, fill.id, number).card.balance_fen == -9000
    fill2 = ledger.record_fill(record(2, 300))  # 13.50: over the limit
    assert_refused_unchanged(
        ledger, Refused, "balance_insufficient", lambda: ledger.settle_card(attendant, fill2.id, number)
    )
    assert check_ledger(ledger.engine).ok


def test_large_adjustment_needs_second_manager(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    second = ledger.create_attendant(manager, number="9002", name="副站长", role=Role.MANAGER, pin="8888")
    number = card(ledger, manager)
    limit = ledger.settings.thresholds.adjustment_approval_limit
    assert_refused_unchanged(
        ledger, Refused, "second_manager_required", lambda: ledger.adjust(manager, number, limit + 1, "compensation")
    )
    assert ledger.adjust(manager, number, limit + 1, "compensation", approver=second).balance_fen == 50_000 + limit + 1
    assert_refused_unchanged(ledger, InvalidInput, "reason_required", lambda: ledger.adjust(manager, number, 100, "  "))


def test_reversal_keeps_original(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager, balance=0)
    entry = ledger.recharge(attendant, number, 10_000).entry_id
    reversal = ledger.reverse_entry(manager, entry, "typed 100 instead of 10")
    assert ledger.card(number=number).balance_fen == 0
    kinds = {e.id: e for e in ledger.journal()}
    assert entry in kinds and kinds[reversal].reverses_id == entry
    assert_refused_unchanged(
        ledger, Refused, "entry_already_reversed", lambda: ledger.reverse_entry(manager, entry, "again")
    )


def test_unpaid_fill_cleared_by_manager(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    fill = ledger.record_fill(record(9, 500, nozzle=2))
    assert [f.id for f in ledger.unpaid_fills(1, 2)] == [fill.id]
    assert_refused_unchanged(
        ledger, InvalidInput, "reason_required", lambda: ledger.clear_unpaid_fill(manager, fill.id, "")
    )
    ledger.clear_unpaid_fill(manager, fill.id, "drive-off 鲁E12345")
    assert ledger.unpaid_fills(1, 2) == []


def test_login_and_lockout(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    assert ledger.authenticate("1001", "1234").role is Role.ATTENDANT
    for _ in range(2):
        with pytest.raises(Refused) as info:
            ledger.authenticate("1001", "0000")
        assert info.value.code == "login_failed"
    with pytest.raises(Refused) as info:
        ledger.authenticate("1001", "0000")
    assert info.value.code == "login_locked"
    with pytest.raises(Refused):
        ledger.authenticate("1001", "1234")
    ledger.unlock_attendant(manager, "1001")
    assert ledger.authenticate("1001", "1234").number == "1001"
    with pytest.raises(Refused) as info:
        ledger.authenticate("5555", "1234")
    assert info.value.code == "login_failed"


def test_cylinder_rules(ledger: Ledger, clock: object) -> None:
    import datetime as dt

    manager, _ = staff(ledger, shift=True)
    today = dt.date(2026, 11, 21)
    ledger.register_vehicle(
        manager,
        "鲁E99999",
        "",
        [
            {
                "serial": "A",
                "registration_no": None,
                "next_inspection": today - dt.timedelta(days=1),
                "design_life_end": today - dt.timedelta(days=1),
                "failed": True,
            },
        ],
    )
    codes = {p.code for p in ledger.check_vehicle("鲁e99999", today)}
    assert codes == {"cylinder_unregistered", "inspection_overdue", "design_life_ended", "cylinder_failed"}
    assert [p.code for p in ledger.check_vehicle("鲁E00000", today)] == ["vehicle_unknown"]


def test_cash_drop_and_prices(ledger: Ledger, clock: object) -> None:
    import datetime as dt

    manager, attendant = staff(ledger, shift=True)
    card(ledger, manager, balance=60_000)
    assert ledger.cash_drop(attendant, 50_000) == 10_000
    assert_refused_unchanged(ledger, Refused, "drop_more_than_drawer", lambda: ledger.cash_drop(attendant, 10_001))
    assert ledger.unit_price("CNG") == 450 and ledger.unit_price("CNG", 1) == 430
    later = ledger.now() + dt.timedelta(hours=2)
    ledger.set_price(manager, "CNG", 0, 480, "supplier raised price", effective_from=later)
    assert ledger.unit_price("CNG") == 450
    assert ledger.unit_price("CNG", at=later) == 480
    assert check_ledger(ledger.engine).ok


def test_audit_chain_detects_tampering(ledger: Ledger) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from station.ledger import audit

    manager, _attendant = staff(ledger, shift=True)
    card(ledger, manager)
    with Session(ledger.engine) as s:
        assert audit.verify(s, ledger.audit_key).ok
    with ledger.engine.begin() as conn:
        conn.execute(text('UPDATE audit_events SET detail = \'{"number":"x"}\' WHERE id = 2'))
    with Session(ledger.engine) as s:
        report = audit.verify(s, ledger.audit_key)
    assert not report.ok and report.first_broken_id == 2
    assert not check_ledger(ledger.engine, ledger.audit_key).ok


def test_card_with_an_unpaid_fill_cannot_be_closed(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    number = card(ledger, manager)
    fill = ledger.record_fill(record(1, 1000), attendant=attendant, card_number=number)
    assert_refused_unchanged(ledger, Refused, "card_has_unpaid_fill", lambda: ledger.close_card(manager, number, "x"))
    ledger.settle_card(attendant, fill.id, number)
    assert ledger.close_card(manager, number, "moving away") == 50_000 - 4500
