"""No key for what the dispenser already knows (issue 13): the nozzle lifted connects it, its gauge gives the
residual pressure, the nozzle hung up completes its removal; a person's items stay keys, in the SPEC's order."""

from __future__ import annotations

from station.core.lanes import NozzleState as LaneState
from station.core.sequence import FuelingSequence, PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import CoreRefused, StationCore
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.core.test_core_fill import LANE, connect_seen
from tests.core.test_recovery import restarted


async def to_vehicle(core: StationCore) -> FuelingSequence:
    await core.login("1001", "1234")
    seq = await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    for _ in range(4):
        await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, PaymentKind.CASH)
    return seq


def logged(seq: FuelingSequence, step: Step) -> list[tuple[str, str]]:
    return [(e.item, e.detail) for e in seq.events if e.step is step]


async def test_the_lift_connects_the_nozzle_and_the_valves_key_reads_the_pressure(
    forecourt: SimulatedForecourt,
) -> None:
    rig, core = forecourt, forecourt.core
    seq = await to_vehicle(core)
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    assert seq.step is Step.CONNECT and seq.connect_done == []
    rig.lift(*LANE, residual_mpa=3.0)
    await until(lambda: seq.next_connect_item == "valves_open")
    assert seq.seen_items == ["nozzle_connected"]
    assert await core.confirm_connect_item(LANE) == "valves_open"
    assert seq.next_connect_item == "no_leak"  # the pressure was read with the valves' key, no key of its own
    assert seq.residual_centi_mpa == 300 and not seq.residual_typed
    await core.confirm_connect_item(LANE)
    assert seq.step is Step.AUTHORIZE
    assert logged(seq, Step.CONNECT) == [
        ("nozzle_connected", "dispenser"),
        ("valves_open", ""),
        ("residual_pressure", "300 dispenser"),
        ("no_leak", ""),
    ]


async def test_a_nozzle_lifted_before_step_6_connects_it_when_the_step_comes(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    seq = await to_vehicle(core)
    rig.lift(*LANE)
    await until(lambda: core.lane(LANE).state is LaneState.NOZZLE_LIFTED)
    assert seq.step is Step.VEHICLE and seq.connect_done == []  # not before its step
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    assert seq.connect_done == ["nozzle_connected"] and seq.next_connect_item == "valves_open"


async def test_a_nozzle_left_lifted_by_the_last_car_is_confirmed_by_key(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    rig.lift(*LANE)
    await until(lambda: core.lane(LANE).state is LaneState.NOZZLE_LIFTED)
    seq = await to_vehicle(core)  # lifted before this vehicle was greeted: not its connection
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    assert seq.connect_done == [] and seq.next_connect_item == "nozzle_connected"
    assert await core.confirm_connect_item(LANE) == "nozzle_connected"
    assert logged(seq, Step.CONNECT)[0] == ("nozzle_connected", "attendant") and seq.seen_items == []


async def test_a_pressure_the_sequence_refuses_leaves_the_typed_entry(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    seq = await to_vehicle(core)
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE, residual_mpa=0.3)  # near empty: purge first
    await until(lambda: seq.next_connect_item == "valves_open")
    await core.confirm_connect_item(LANE)
    refused = core.lane(LANE).reading_refused
    assert refused is not None and refused.code == "residual_too_low"
    assert seq.next_connect_item == "residual_pressure" and seq.residual_centi_mpa is None
    await core.residual_typed(LANE, 250)  # the gauge, read by the attendant after purging
    assert core.lane(LANE).reading_refused is None and seq.residual_typed


async def test_hung_up_before_the_cylinder_valve_waits_for_its_key(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    seq = await to_vehicle(core)
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE)
    await connect_seen(rig)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    await until(lambda: seq.step is Step.DISCONNECT)
    rig.hang(*LANE)
    await until(lambda: "nozzle_vented_removed" in seq.disconnect_done)
    # seen and recorded, but the person's item before it is still open: the step waits
    assert seq.step is Step.DISCONNECT and seq.next_disconnect_item == "cylinder_valve_closed"
    assert await core.confirm_disconnect_item(LANE) == "cylinder_valve_closed"
    assert seq.step is Step.SETTLE
    assert logged(seq, Step.DISCONNECT) == [("nozzle_vented_removed", "dispenser"), ("cylinder_valve_closed", "")]
    await core.settle_cash(LANE, 1000)


async def test_the_hang_up_after_the_cylinder_valve_settles_without_a_key(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    seq = await to_vehicle(core)
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE)
    await connect_seen(rig)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    await until(lambda: seq.step is Step.SETTLE)
    assert logged(seq, Step.DISCONNECT) == [("cylinder_valve_closed", ""), ("nozzle_vented_removed", "dispenser")]


async def test_resumed_at_disconnect_the_hung_up_nozzle_counts(forecourt: SimulatedForecourt) -> None:
    """After a restart the sequence comes back at step 9; the dispenser says the nozzle is on its hook."""
    rig = forecourt
    old = await to_vehicle(rig.core)
    assert await rig.core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE)
    await connect_seen(rig)
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1000))
    await until(lambda: old.step is Step.DISCONNECT)
    core = restarted(rig)  # the terminal dies before anyone pressed a key; meanwhile the nozzle is hung up
    rig.hang(*LANE)
    await until(lambda: core.lane(LANE).state is LaneState.IDLE)
    await core.resume_authorizations()
    seq = core.lane(LANE).sequence
    assert seq is not None and seq.resumed and seq.step is Step.DISCONNECT
    assert seq.disconnect_done == ["nozzle_vented_removed"]
    await core.login("1001", "1234")
    await core._reload_unpaid(core.lane(LANE))
    await core.confirm_disconnect_item(LANE)  # the cylinder valve: a person's word, after a restart too
    result = await core.settle_cash(LANE, 1000)
    assert result.fill.id == old.fill_id


async def test_a_key_meant_for_the_reported_item_does_not_confirm_the_next_one(forecourt: SimulatedForecourt) -> None:
    """⏎ pressed for "nozzle connected" just as the dispenser reported it: the valves are not confirmed by it."""
    rig, core = forecourt, forecourt.core
    seq = await to_vehicle(core)
    assert await core.check_vehicle(LANE, "鲁E22222") == []
    rig.lift(*LANE)
    await until(lambda: seq.next_connect_item == "valves_open")
    try:
        await core.confirm_connect_item(LANE, expect="nozzle_connected")
    except CoreRefused as exc:
        assert exc.code == "item_changed"
    else:
        raise AssertionError("a key shown for the nozzle confirmed the valves")
    assert seq.connect_done == ["nozzle_connected"]
    assert await core.confirm_connect_item(LANE, expect="valves_open") == "valves_open"
