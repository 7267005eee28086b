"""The station core end to end without a UI: sequence → ledger → drivers → simulators over TCP."""

from __future__ import annotations

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import CoreRefused, StationCore
from station.devices.dispenser_protocol import NozzleState
from station.devices.printer_sim import decode_escpos_text
from station.ledger.checks import check_ledger
from station.ledger.models import FillStatus
from station.money import amount_for
from station.simrig import SimulatedForecourt
from tests.conftest import until

LANE = (1, 1)


async def connect_seen(rig: SimulatedForecourt, key: tuple[int, int] = LANE) -> None:
    """Step 6 once the nozzle is lifted: the dispenser's report connects it and gives the residual pressure,
    so the attendant's keys are the valves and the leak check."""
    core = rig.core
    seq = core.lane(key).sequence
    assert seq is not None
    await until(lambda: "nozzle_connected" in seq.connect_done)  # seen from the dispenser, no key
    await core.confirm_connect_item(key)  # valves open: the residual pressure is read at once
    assert seq.residual_centi_mpa is not None and not seq.residual_typed
    await core.confirm_connect_item(key)  # no leak


async def begin_fill(core: StationCore, payment: PaymentKind) -> None:
    """Steps 1 to 3 on lane 1/1: logged in, the vehicle in, the safety items, the way of paying chosen."""
    await core.login("1001", "1234")
    await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    for _ in range(4):
        await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, payment)


async def walk_to_authorize(rig: SimulatedForecourt, payment: PaymentKind, capacity_kg: float = 16.0) -> None:
    core = rig.core
    await begin_fill(core, payment)
    if payment is PaymentKind.CARD:
        await core.check_card(LANE, number="88000001", uid=None, plate="鲁E12345", pin="123456")
        assert await core.check_vehicle(LANE, "") == []  # the plate checked on the card
    else:
        assert await core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE, residual_mpa=3.0, capacity_kg=capacity_kg)
    await connect_seen(rig)


class StepClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


async def test_cash_fill_end_to_end(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    clock = StepClock()
    core.monotonic = clock  # the timers run on this clock; the simulators on their own
    await walk_to_authorize(rig, PaymentKind.CASH)
    clock.now += 12  # 12 s after engine-off the dispenser is authorized and gas flows
    price = await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 3000))
    assert price == 450
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    assert seq.engine_timer.stopped is not None and seq.settle_timer.started is not None
    unpaid = core.lane(LANE).unpaid
    assert len(unpaid) == 1 and unpaid[0].amount_fen <= 3000
    fill = unpaid[0]
    assert fill.amount_fen == amount_for(450, fill.quantity_centi)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    clock.now += 33  # paid 33 s after the fill ended
    result = await core.settle_cash(LANE, 5000)
    assert result.change_fen == 5000 - fill.amount_fen
    assert result.print_outcome is not None and result.print_outcome.printed
    text = decode_escpos_text(rig.receipts_file.read_bytes())
    assert "请走好,欢迎再次光临" in text
    await core.farewell(LANE)
    stored = core.ledger.fill(fill.id)
    assert stored.status is FillStatus.PAID
    assert (stored.engine_off_to_flow_ms, stored.fill_end_to_commit_ms) == (12_000, 33_000)
    steps = [s for s, *_ in core.ledger.sequence_steps(seq.sequence_id)]
    assert steps[0] == "arrival" and "farewell" in steps and "filling" in steps
    assert check_ledger(core.ledger.engine).ok
    # acknowledged on the dispenser: nothing left unacknowledged
    await until(lambda: not rig.dispensers.dispensers[1].unacked())


async def test_card_fill_with_hold(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    before = core.ledger.card(number="88000001").balance_fen
    await walk_to_authorize(rig, PaymentKind.CARD)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    assert core.ledger.card(number="88000001").held_fen == 2000
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    result = await core.settle_card(LANE)
    card = core.ledger.card(number="88000001")
    assert card.held_fen == 0 and card.balance_fen == before - result.fill.amount_fen
    assert any("****0001" in line for line in result.receipt_lines)
    assert check_ledger(core.ledger.engine).ok


async def test_nozzle_with_unpaid_fill_is_not_authorized_again(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    await until(lambda: bool(core.lane(LANE).unpaid))
    core.lane(LANE).sequence = None  # the app restarted: the sequence is gone, the unpaid fill is not
    try:
        await core.start_sequence(LANE)
    except CoreRefused as exc:
        assert exc.code == "nozzle_has_unpaid"
    else:
        raise AssertionError("a nozzle with an unpaid fill was started again")


async def test_card_preset_over_the_balance_is_refused_before_the_dispenser(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await begin_fill(core, PaymentKind.CARD)
    await core.check_card(LANE, number="88000002", uid=None, plate="鲁E67890", pin="654321")  # 80.00 yuan
    await core.check_vehicle(LANE, "")
    rig.lift(*LANE)
    await connect_seen(rig)
    try:
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 10_000))
    except CoreRefused as exc:
        assert exc.code == "balance_insufficient"
    else:
        raise AssertionError("a preset over the balance was authorized")
    card = core.ledger.card(number="88000002")
    assert (card.balance_fen, card.held_fen) == (8000, 0)
    assert rig.dispensers.state_of(*LANE) is NozzleState.NOZZLE_LIFTED  # never authorized
    await core.authorize(LANE, PresetChoice(PresetKind.FILL_UP))  # fill-up: held up to what the card has
    assert core.ledger.card(number="88000002").held_fen == 8000


async def test_authorize_asks_the_nozzle_when_the_polls_picture_is_a_cycle_old(forecourt: SimulatedForecourt) -> None:
    """Seen in the kill run under load: the nozzle lifted, the poll's last picture still idle, authorize refused."""
    from station.devices.dispenser_protocol import NozzleState as WireState

    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    rig.bus._devices[1].states[1] = WireState.IDLE  # the poll has not yet seen the lift
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))  # read back from the nozzle: lifted
    seq = core.lane(LANE).sequence
    assert seq is not None and seq.step is Step.FILLING
