"""A terminal restart mid-fill: the recovered fill keeps its card, hold, plate and attendant (issue 10, 1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import StationCore
from station.ledger.checks import check_ledger
from station.ledger.models import AuditEvent, FillStatus
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize


def restarted(rig: SimulatedForecourt) -> StationCore:
    """The old core dies (hears nothing more); a new one on the same ledger and bus takes over."""
    rig.core._stopping = True
    core = StationCore(rig.core.ledger, rig.core.settings, bus=rig.bus)
    rig.bus.subscribe(core._on_bus_event)
    rig.bus.reread_unacknowledged()
    return core


async def test_card_fill_recovered_after_restart_settles_against_its_hold(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    before = ledger.card(number="88000001").balance_fen
    await walk_to_authorize(rig, PaymentKind.CARD)
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    core = restarted(rig)  # killed while the gas flows
    await core.login("1001", "1234")
    await core._reload_unpaid(core.lane(LANE))
    await until(lambda: bool(ledger.unpaid_fills(*LANE)))
    fill = ledger.unpaid_fills(*LANE)[0]
    assert (fill.card_number, fill.plate, fill.hold_id) == ("88000001", "鲁E12345", fill.hold_id)
    assert fill.hold_id is not None and fill.attendant_id is not None
    assert check_ledger(ledger.engine).ok  # the hold belongs to an unpaid fill
    result = await core.settle_card(LANE)  # no card, no PIN asked: the hold was placed for this fill
    card = ledger.card(number="88000001")
    assert result.fill.status is FillStatus.PAID
    assert (card.held_fen, card.balance_fen) == (0, before - fill.amount_fen)  # paid once
    assert check_ledger(ledger.engine).ok


async def test_cash_fill_recovered_after_restart_keeps_plate_and_attendant(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    await walk_to_authorize(rig, PaymentKind.CASH)
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    restarted(rig)
    await until(lambda: bool(ledger.unpaid_fills(*LANE)))
    fill = ledger.unpaid_fills(*LANE)[0]
    assert fill.plate == "鲁E22222" and fill.attendant_id is not None
    assert ledger.live_lane_authorizations() == []


async def test_db_check_reports_a_hold_without_a_live_fill(forecourt: SimulatedForecourt) -> None:
    ledger = forecourt.core.ledger
    actor = ledger.authenticate("1001", "1234")
    ledger.place_hold(actor, "88000001", 500, 1, 1, sequence_id="s1", plate="鲁E12345")
    assert check_ledger(ledger.engine).ok  # live: the dispenser may be filling
    ledger.drop_lane_authorization(actor, "s1")
    assert check_ledger(ledger.engine).ok  # dropped: the hold went back with it
    ledger.place_hold(actor, "88000001", 700, 1, 1)  # nothing will ever settle this one
    report = check_ledger(ledger.engine)
    assert any("has no live fill" in failure for failure in report.failed)


async def test_restart_while_authorized_brings_the_sequence_back_at_filling(forecourt: SimulatedForecourt) -> None:
    """Issue 9/10: after a restart the attendant is back where the sequence was, and pays against its hold."""
    rig = forecourt
    ledger = rig.core.ledger
    before = ledger.card(number="88000001").balance_fen
    await walk_to_authorize(rig, PaymentKind.CARD)
    rig.dispensers.speed = 1e-6  # the valve has not opened yet when the terminal dies
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    sequence_id = rig.core.lane(LANE).sequence.sequence_id  # type: ignore[union-attr]
    core = restarted(rig)
    assert await core.resume_authorizations() == 1  # back at filling; its transaction is still to come
    seq = core.lane(LANE).sequence
    assert seq is not None and seq.resumed
    assert (seq.step, seq.sequence_id, seq.card_number, seq.plate) == (
        Step.FILLING,
        sequence_id,
        "88000001",
        "鲁E12345",
    )
    await core.login("1001", "1234")
    rig.dispensers.speed = 40.0
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    result = await core.settle_card(LANE)
    await core.farewell(LANE)
    card = ledger.card(number="88000001")
    assert (card.held_fen, card.balance_fen) == (0, before - result.fill.amount_fen)
    assert await core.resume_authorizations() == 0
    assert check_ledger(ledger.engine).ok


async def test_restart_after_the_fill_brings_the_sequence_back_at_disconnect(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    await walk_to_authorize(rig, PaymentKind.CASH)
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    old = rig.core.lane(LANE).sequence
    assert old is not None
    await until(lambda: old.step is Step.DISCONNECT)  # recorded, unpaid, then the terminal dies
    core = restarted(rig)
    await core.resume_authorizations()
    seq = core.lane(LANE).sequence
    assert seq is not None and (seq.step, seq.fill_id, seq.plate) == (Step.DISCONNECT, old.fill_id, "鲁E22222")
    await core.login("1001", "1234")
    await core._reload_unpaid(core.lane(LANE))
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    result = await core.settle_cash(LANE, 1000)
    assert result.fill.id == old.fill_id and result.fill.status is FillStatus.PAID
    assert check_ledger(rig.core.ledger.engine).ok


async def test_start_up_drops_an_authorization_the_dispenser_never_carried_out(forecourt: SimulatedForecourt) -> None:
    """Killed between writing the authorization and the dispenser hearing of it: the hold goes back at start."""
    rig = forecourt
    ledger = rig.core.ledger
    actor = ledger.authenticate("1001", "1234")
    before = ledger.card(number="88000001")
    ledger.place_hold(actor, "88000001", 800, 1, 1, sequence_id="never-sent", plate="鲁E12345")
    assert ledger.card(number="88000001").held_fen == before.held_fen + 800
    core = restarted(rig)
    assert await core.resume_authorizations() == 0
    assert core.lane(LANE).sequence is None  # nothing to come back to: the nozzle is free
    assert ledger.live_lane_authorizations() == []
    assert ledger.card(number="88000001").held_fen == before.held_fen
    with Session(ledger.engine) as session:
        dropped = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "authorization_dropped")).all()
    assert len(dropped) == 1 and "never-sent" in dropped[0]
    assert check_ledger(ledger.engine).ok


async def test_a_fill_resumed_unpaid_shows_its_amount_due_again_on_the_customer_display(
    forecourt: SimulatedForecourt,
) -> None:
    from station.devices.customer_display import CustomerDisplay
    from station.money import format_yuan

    rig = forecourt
    await walk_to_authorize(rig, PaymentKind.CASH)
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    old = rig.core.lane(LANE).sequence
    assert old is not None
    await until(lambda: old.step is Step.DISCONNECT)
    await rig.core.display.clear()  # the power went: the display comes back blank
    await until(lambda: (rig.display_face("zh") or "").strip("[] ") == "")
    rig.core._stopping = True
    display = CustomerDisplay(rig.display_sim.url if rig.display_sim else "", reconnect_interval=0.2)
    core = StationCore(rig.core.ledger, rig.core.settings, bus=rig.bus, display=display)
    await display.start()
    try:
        await core._reload_unpaid(core.lane(LANE))
        await core.resume_authorizations()
        seq = core.lane(LANE).sequence
        assert seq is not None and seq.step is Step.DISCONNECT
        due = format_yuan(core.lane(LANE).unpaid[0].amount_fen)
        await until(lambda: due in (rig.display_face("zh") or ""))
    finally:
        await display.stop()
