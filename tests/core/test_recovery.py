"""A terminal restart mid-fill: the recovered fill keeps its card, hold, plate and attendant (issue 10, 1)."""

from __future__ import annotations

from station.core.sequence import PaymentKind, PresetChoice, PresetKind
from station.core.station import StationCore
from station.ledger.checks import check_ledger
from station.ledger.models import FillStatus
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
