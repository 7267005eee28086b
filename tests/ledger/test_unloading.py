"""The unloading log: checklist order, interruptions, amendments, the stock posting and the reconciliation."""

from __future__ import annotations

import datetime as dt

import pytest

from station.ledger.errors import InvalidInput, PermissionDenied, Refused
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from station.ledger.unloading.log import UnloadingLog
from station.ledger.unloading.values import STEPS, Arrival, Readings, checklist_position
from tests.conftest import FakeClock
from tests.ledger.helpers import fingerprint, record, staff

START = Readings(
    trailer_pressure_centi_mpa=2000, trailer_temp_deci_c=150, storage_pressure_centi_mpa=1200, storage_temp_deci_c=140
)
END = Readings(
    trailer_pressure_centi_mpa=300, trailer_temp_deci_c=50, storage_pressure_centi_mpa=2400, storage_temp_deci_c=180
)


def arrival(note: str = "SH-20261121-01", declared: int = 3_000_00, plate: str = "鲁E·G1234") -> Arrival:
    return Arrival(
        trailer_plate=plate,
        tractor_plate="鲁E 5678",
        driver_name="王师傅",
        supplier="胜利油田燃气",
        note_number=note,
        declared_centi=declared,
        water_volume_l=18_000,
    )


def walk(log: UnloadingLog, actor: Actor, uid: int, until: str) -> None:
    """Confirm checklist steps in order up to and including ``until`` (start and end with readings)."""
    view = log.get(uid)
    while view.next_step is not None and STEPS.index(view.next_step) <= STEPS.index(until):
        step = view.next_step
        if step == "started":
            view = log.start(actor, uid, START)
        elif step == "ended":
            view = log.end(actor, uid, END, meter_centi=2_980_00)
        else:
            view = log.confirm(actor, uid, step)


@pytest.fixture
def people(ledger: Ledger) -> tuple[Actor, Actor]:
    return staff(ledger)


def test_no_hose_before_the_ground_and_nothing_changes(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival())
    walk(log, attendant, uid, "key_handed")
    before = fingerprint(ledger.engine)
    for step in ("hoses_checked", "leak_check"):
        with pytest.raises(Refused) as info:
            log.confirm(attendant, uid, step)
        assert info.value.code == "unload_hose_before_ground"
        assert info.value.params["expected"] == "ground_connected"
    with pytest.raises(Refused) as info:
        log.start(attendant, uid, START)
    assert info.value.code == "unload_hose_before_ground"
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "spark_arrestor")
    assert info.value.code == "unload_step_out_of_order"
    assert fingerprint(ledger.engine) == before
    view = log.confirm(attendant, uid, "ground_connected")
    assert view.next_step == "spark_arrestor"


def test_no_ground_removed_before_the_hose_and_nothing_changes(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival())
    walk(log, attendant, uid, "started")
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as info:  # while the gas still flows
        log.confirm(attendant, uid, "ground_disconnected")
    assert info.value.code == "unload_ground_before_hose"
    walk(log, attendant, uid, "ended")
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "ground_disconnected")
    assert info.value.code == "unload_ground_before_hose"
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "departed")
    assert info.value.code == "unload_key_not_returned"
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "engine_off")
    assert info.value.code == "unload_step_done"
    assert fingerprint(ledger.engine) == before
    walk(log, attendant, uid, "departed")
    view = log.get(uid)
    assert view.status == "departed" and view.departed_at is not None
    assert [e.kind for e in view.events] == list(STEPS)
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "departed")
    assert info.value.code == "unload_departed"


def test_interruption_and_resumption(ledger: Ledger, people: tuple[Actor, Actor], clock: FakeClock) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival())
    walk(log, attendant, uid, "leak_check")
    with pytest.raises(Refused) as info:
        log.interrupt(attendant, uid, "lightning")
    assert info.value.code == "unload_not_running"
    log.start(attendant, uid, START)
    with pytest.raises(InvalidInput) as bad:
        log.interrupt(attendant, uid, "boredom")
    assert bad.value.code == "unload_reason_invalid"
    clock.advance(600)
    view = log.interrupt(attendant, uid, "lightning", "雷雨")
    assert view.interrupted and view.next_step is None
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "hose_disconnected")
    assert info.value.code == "unload_interrupted"
    with pytest.raises(Refused) as info:
        log.interrupt(attendant, uid, "leak")
    assert info.value.code == "unload_interrupted"
    assert fingerprint(ledger.engine) == before
    clock.advance(1800)
    view = log.resume(attendant, uid, "雷雨已过")
    assert view.status == "unloading" and view.next_step == "ended"
    with pytest.raises(Refused) as info:
        log.resume(attendant, uid)
    assert info.value.code == "unload_not_interrupted"
    view = log.end(attendant, uid, END, meter_centi=2_990_00)
    kinds = [(e.kind, e.reason) for e in view.events]
    assert ("interrupted", "lightning") in kinds and ("resumed", "") in kinds
    assert kinds.index(("interrupted", "lightning")) < kinds.index(("resumed", "")) < kinds.index(("ended", ""))
    assert view.events[kinds.index(("interrupted", "lightning"))].detail["note"] == "雷雨"
    assert all(e.attendant == "加气员" for e in view.events)


def test_end_posts_the_delivery_and_flags_the_difference(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    stock = ledger.stock_centi("CNG")
    uid = log.arrive(attendant, arrival(declared=3_000_00))
    walk(log, attendant, uid, "leak_check")
    log.start(attendant, uid, START)
    view = log.end(attendant, uid, END, meter_centi=2_980_00, meter_record=7)
    assert view.measured_by == "meter" and view.received_centi == 2_980_00 and view.meter_record_number == 7
    assert view.difference_centi == -20_00 and not view.flagged  # 0.67 % < 1.0 %
    assert ledger.stock_centi("CNG") == stock + 2_980_00
    assert view.stock_movement_id is not None
    # a second trailer without a meter: the quantity is computed from the equation of state
    uid2 = log.arrive(attendant, arrival(note="SH-2", declared=2_000_00))
    walk(log, attendant, uid2, "leak_check")
    log.start(attendant, uid2, START)
    view2 = log.end(attendant, uid2, END)
    assert view2.measured_by == "computed"
    assert view2.received_centi is not None and 2_500_00 < view2.received_centi < 3_600_00
    assert view2.flagged  # far more than the note said
    assert ledger.stock_centi("CNG") == stock + 2_980_00 + view2.received_centi


def test_amendment_keeps_the_original_visible(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    manager, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival(note="SH-WRONG"))
    walk(log, attendant, uid, "ended")
    before = fingerprint(ledger.engine)
    with pytest.raises(PermissionDenied):
        log.amend(attendant, uid, "note_number", "SH-RIGHT", "typo")
    with pytest.raises(InvalidInput) as info:
        log.amend(manager, uid, "note_number", "SH-RIGHT", "  ")
    assert info.value.code == "reason_required"
    with pytest.raises(InvalidInput) as info:
        log.amend(manager, uid, "status", "departed", "no")
    assert info.value.code == "unload_field_not_amendable"
    assert fingerprint(ledger.engine) == before
    view = log.amend(manager, uid, "note_number", "SH-RIGHT", "送货单号抄错")
    assert view.note_number == "SH-RIGHT"
    assert view.original == {"note_number": "SH-WRONG"}
    (a,) = view.amendments
    assert (a.field, a.old_value, a.new_value, a.reason, a.manager) == (
        "note_number",
        "SH-WRONG",
        "SH-RIGHT",
        "送货单号抄错",
        "站长",
    )
    # the received quantity corrected: the stock follows by an adjustment, the original stays
    stock = ledger.stock_centi("CNG")
    view = log.amend(manager, uid, "received_centi", str(2_950_00), "流量计读数复核")
    assert view.received_centi == 2_950_00 and view.original["received_centi"] == str(2_980_00)
    assert ledger.stock_centi("CNG") == stock - 30_00
    assert view.difference_centi == -50_00
    found = log.search(note_number="SH-RIGHT")
    assert [v.id for v in found] == []  # search reads the logged columns; the amendment is on top
    assert [v.id for v in log.search(note_number="SH-WRONG")] == [uid]


def test_search_by_date_trailer_supplier_note(ledger: Ledger, people: tuple[Actor, Actor], clock: FakeClock) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    a = log.arrive(attendant, arrival(note="N-1", plate="鲁E·G1111"))
    clock.advance(86_400)
    b = log.arrive(attendant, Arrival("鲁A·T2222", "李师傅", "中石化", "N-2", 1_000_00))
    assert [v.id for v in log.search(trailer="g1111")] == [a]
    assert [v.id for v in log.search(supplier="中石化")] == [b]
    assert [v.id for v in log.search(text="N-")] == [b, a]
    today = clock.now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert [v.id for v in log.search(day_from=today, day_to=today)] == [b]
    assert log.get(b).water_volume_l == 18_000  # the configured default


def test_stock_variance_flagged_for_a_planted_loss(
    ledger: Ledger, people: tuple[Actor, Actor], clock: FakeClock
) -> None:
    manager, attendant = people
    log = UnloadingLog(ledger)
    clock.now = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    uid = log.arrive(attendant, arrival())
    walk(log, attendant, uid, "ended")  # +2,980.00 kg
    for n in range(1, 11):
        clock.advance(600)
        ledger.record_fill(record(n, 15_00, when=clock.now))  # 10 × 15 kg sold
    book = 2_980_00 - 150_00
    clock.advance(600)
    log.record_stock_count(manager, book, note="储气井读数")
    day = dt.date(2026, 11, 21)
    clean = log.day_stock_report(day)
    assert (clean.opening_centi, clean.received_centi, clean.sold_centi) == (0, 2_980_00, 150_00)
    assert clean.book_centi == book and clean.variance_centi == 0 and not clean.flagged
    # plant a loss: the storage reading later shows 40 kg less than the books (1.28 % of 3,130 kg throughput)
    clock.advance(600)
    log.record_stock_count(manager, book - 40_00, note="储气井读数")
    lossy = log.day_stock_report(day)
    assert lossy.variance_centi == -40_00
    assert lossy.throughput_centi == 3_130_00
    assert lossy.variance_share_bp == 128 and lossy.tolerance_bp == 50
    assert lossy.flagged
    with pytest.raises(PermissionDenied):
        log.record_stock_count(attendant, 1)
    # a shift's report covers its window
    from station.ledger.shifts.desk import ShiftDesk

    zero = {(n.dispenser, n.nozzle): (0, 0, False) for n in ledger.settings.nozzles}
    shift = ShiftDesk(ledger).open_shift(manager, [attendant], ledger.drawer_cash(), zero)
    clock.advance(60)
    ledger.record_fill(record(99, 10_00, when=clock.now))
    clock.advance(60)
    log.record_stock_count(manager, book - 40_00 - 10_00)
    per_shift = log.shift_stock_report(shift)
    assert per_shift.opening_centi == book and per_shift.sold_centi == 10_00 and per_shift.received_centi == 0
    assert per_shift.variance_centi == -40_00 and per_shift.flagged


def test_checklist_position_marks_done_and_next(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival())
    walk(log, attendant, uid, "chocks")
    marks = dict(checklist_position(log.get(uid)))
    assert marks["chocks"] == "done" and marks["key_handed"] == "next" and marks["departed"] == "todo"


def test_an_interrupted_unloading_cannot_end_before_it_is_resumed(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    _, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival())
    walk(log, attendant, uid, "started")
    view = log.interrupt(attendant, uid, "leak")
    assert [step for step, state in checklist_position(view) if state == "next"] == []  # resume comes first
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as info:
        log.end(attendant, uid, END, meter_centi=2_980_00)
    assert info.value.code == "unload_interrupted"
    assert fingerprint(ledger.engine) == before
    log.resume(attendant, uid, "漏点已处理")
    assert log.end(attendant, uid, END, meter_centi=2_980_00).status == "ended"


def test_a_quantity_outside_the_note_tolerance_needs_a_manager_sign_off(
    ledger: Ledger, people: tuple[Actor, Actor]
) -> None:
    manager, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival(declared=3_000_00))
    walk(log, attendant, uid, "leak_check")
    log.start(attendant, uid, START)
    view = log.end(attendant, uid, END, meter_centi=2_800_00)  # 6.7 % short of the note
    assert view.flagged and view.needs_sign_off
    walk(log, attendant, uid, "key_returned")  # the safety steps never wait for the paperwork
    before = fingerprint(ledger.engine)
    with pytest.raises(Refused) as info:
        log.confirm(attendant, uid, "departed")
    assert info.value.code == "unload_signoff_required"
    with pytest.raises(PermissionDenied):
        log.sign_off(attendant, uid, "ok")
    with pytest.raises(InvalidInput) as bad:
        log.sign_off(manager, uid, "   ")
    assert bad.value.code == "reason_required"
    assert fingerprint(ledger.engine) == before
    view = log.sign_off(manager, uid, "供气单位确认少装200kg")
    assert not view.needs_sign_off
    (signed,) = [e for e in view.events if e.kind == "signed_off"]
    assert signed.attendant == "站长" and signed.detail["note"] == "供气单位确认少装200kg"
    assert signed.detail["difference"] == -200_00
    with pytest.raises(Refused) as info:
        log.sign_off(manager, uid, "again")
    assert info.value.code == "unload_signed_off"
    assert log.confirm(attendant, uid, "departed").status == "departed"
    from sqlalchemy import select

    from station.ledger.models import AuditEvent

    with ledger._read() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "unloading_signed_off" in actions


def test_a_quantity_within_tolerance_needs_no_sign_off(ledger: Ledger, people: tuple[Actor, Actor]) -> None:
    manager, attendant = people
    log = UnloadingLog(ledger)
    uid = log.arrive(attendant, arrival(declared=3_000_00))
    walk(log, attendant, uid, "key_returned")  # 2,980.00 kg: 0.67 %, inside 1 %
    assert not log.get(uid).needs_sign_off
    with pytest.raises(Refused) as info:
        log.sign_off(manager, uid, "not needed")
    assert info.value.code == "unload_signoff_not_needed"
    assert log.confirm(attendant, uid, "departed").status == "departed"
