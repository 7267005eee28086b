"""The fuelling sequence as domain logic, with an injected clock: steps, guards and the two timers."""

from __future__ import annotations

import pytest

from station.core.sequence import (
    AbortReason,
    FuelingSequence,
    PaymentKind,
    PresetChoice,
    PresetKind,
    SequenceRefused,
    Step,
)
from station.core.timers import TimerLevel


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock) -> FuelingSequence:
    return FuelingSequence(
        dispenser=1,
        nozzle=1,
        attendant_id=7,
        clock=clock,
        engine_limit_s=30,
        settle_limit_s=60,
        amber_percent=66,
        min_residual_centi_mpa=50,
        fill_limit_centi_mpa=2000,
    )


def to_authorize(seq: FuelingSequence) -> None:
    seq.confirm_arrival()
    for _ in range(4):
        seq.confirm_safety_item()
    seq.choose_payment(PaymentKind.CASH)
    seq.set_plate("鲁E22222")
    seq.vehicle_accepted([])
    seq.confirm_connect_item()
    seq.confirm_connect_item()
    seq.record_residual_pressure(300, typed=True)
    seq.confirm_connect_item()


def test_engine_timer_starts_at_engine_off_and_stops_at_flow() -> None:
    clock = Clock()
    seq = make(clock)
    seq.confirm_arrival()
    seq.confirm_safety_item()  # passengers out
    assert seq.engine_timer.level(clock()) is TimerLevel.IDLE
    clock.now += 5
    assert seq.confirm_safety_item() == "engine_off"
    assert seq.engine_timer.started == 105.0
    # Amber from 66 % of 30 s = 19.8 s (binary-exact clock steps either side of it).
    clock.now += 19.75
    assert seq.engine_timer.level(clock()) is TimerLevel.GREEN
    clock.now += 0.125  # 19.875 s
    assert seq.engine_timer.level(clock()) is TimerLevel.AMBER
    for _ in range(2):
        seq.confirm_safety_item()
    seq.choose_payment(PaymentKind.CASH)
    seq.set_plate("鲁E22222")
    seq.vehicle_accepted([])
    seq.confirm_connect_item()
    seq.confirm_connect_item()
    seq.record_residual_pressure(300, typed=False)
    seq.confirm_connect_item()
    seq.authorized(PresetChoice(PresetKind.AMOUNT, 5000), 450, None, 0)
    clock.now = 105.0 + 30.0  # exactly the limit: still amber, not late
    assert seq.engine_timer.level(clock()) is TimerLevel.AMBER
    clock.now += 0.5
    assert seq.engine_timer.level(clock()) is TimerLevel.RED
    seq.gas_flowing()
    assert seq.engine_timer.stopped == 135.5
    assert seq.engine_timer.elapsed_ms(clock()) == 30_500 and seq.engine_timer.breached
    assert seq.engine_timer.level(clock() + 100) is TimerLevel.STOPPED_LATE
    seq.gas_flowing()  # a second flow report changes nothing
    assert seq.engine_timer.stopped == 135.5


def test_settle_timer_from_fill_end_to_commit() -> None:
    clock = Clock()
    seq = make(clock)
    to_authorize(seq)
    seq.authorized(PresetChoice(PresetKind.FILL_UP), 450, None, 0)
    clock.now += 3
    seq.gas_flowing()
    clock.now += 120  # the fill itself takes two minutes: no timer runs
    assert seq.settle_timer.level(clock()) is TimerLevel.IDLE
    seq.fill_ended(42, "pressure_limit")
    assert seq.settle_timer.started == clock.now and seq.step is Step.DISCONNECT
    clock.now += 39.5  # amber from 66 % of 60 s = 39.6 s
    assert seq.settle_timer.level(clock()) is TimerLevel.GREEN
    clock.now += 0.25  # 39.75 s
    assert seq.settle_timer.level(clock()) is TimerLevel.AMBER
    seq.confirm_disconnect_item()
    seq.confirm_disconnect_item()
    clock.now += 10
    seq.settled("cash")
    assert seq.settle_timer.elapsed_ms(clock()) == 49_750
    assert seq.settle_timer.level(clock()) is TimerLevel.STOPPED_OK and not seq.settle_timer.breached
    seq.farewell()
    assert seq.step is Step.DONE


def test_guards_and_refusals() -> None:
    clock = Clock()
    seq = make(clock)
    with pytest.raises(SequenceRefused) as info:
        seq.choose_payment(PaymentKind.CARD)
    assert info.value.code == "step_out_of_order"
    seq.confirm_arrival()
    for _ in range(4):
        seq.confirm_safety_item()
    seq.choose_payment(PaymentKind.CARD)
    seq.switch_to_cash()  # balance too low: the driver pays cash instead
    assert seq.payment is PaymentKind.CASH
    with pytest.raises(SequenceRefused) as info:
        seq.vehicle_accepted([])
    assert info.value.code == "plate_required"
    seq.set_plate("鲁E99999")
    with pytest.raises(SequenceRefused) as info:
        seq.vehicle_accepted(["inspection_overdue"])
    assert info.value.code == "cylinder_refused"
    seq.vehicle_accepted(["inspection_overdue"], override_by="9001")
    assert seq.overrides == ["inspection_overdue"]
    seq.confirm_connect_item()
    seq.confirm_connect_item()
    with pytest.raises(SequenceRefused) as info:
        seq.confirm_connect_item()
    assert info.value.code == "residual_pressure_required"
    for pressure, code in ((49, "residual_too_low"), (2000, "cylinder_full"), (-1, "pressure_invalid")):
        with pytest.raises(SequenceRefused) as info:
            seq.record_residual_pressure(pressure, typed=True)
        assert info.value.code == code
    assert seq.residual_centi_mpa is None
    seq.record_residual_pressure(50, typed=True)  # exactly the minimum is allowed
    seq.abort(AbortReason.LEAK, "leak at the cylinder valve")
    assert seq.step is Step.ABORTED and seq.engine_timer.stopped is not None
    with pytest.raises(SequenceRefused):
        seq.abort(AbortReason.ATTENDANT)


def test_sold_gas_cannot_be_aborted() -> None:
    clock = Clock()
    seq = make(clock)
    to_authorize(seq)
    seq.authorized(PresetChoice(PresetKind.AMOUNT, 1000), 450, None, 0)
    seq.fill_ended(1, "preset_reached")
    with pytest.raises(SequenceRefused) as info:
        seq.abort(AbortReason.DRIVER_LEFT)
    assert info.value.code == "fill_must_be_settled"


def test_every_step_is_logged_with_time() -> None:
    clock = Clock()
    logged: list[tuple[str, str, float]] = []
    seq = make(clock)
    seq.on_step = lambda e: logged.append((e.step.value, e.item, e.at))
    to_authorize(seq)
    items = [item for _, item, _ in logged]
    assert items[:5] == ["lane_chosen", "passengers_out", "engine_off", "no_phone_smoking", "hood_open"]
    assert "residual_pressure" in items and "no_leak" in items
