"""Driver against the simulator over a real pty and over TCP through pyserial: commands and whole fills."""

from __future__ import annotations

import pytest

from station.devices.dispenser_bus import (
    AlarmRaised,
    BusEvent,
    DeviceOnline,
    DeviceRejected,
    FillProgress,
    InvalidRequest,
    LinkUp,
    NozzleStateChanged,
    TransactionCompleted,
    UnloadingCompleted,
    UnloadingProgress,
)
from station.devices.dispenser_protocol import (
    AlarmKind,
    DeviceKind,
    NakCode,
    NozzleState,
    Preset,
    PresetKind,
    SaleUnit,
    StopReason,
    UnloadState,
)
from station.money import amount_for, quantity_for_amount
from tests.devices.dispenser_helpers import running_bus, running_sim, until, wait_event, wait_state

TRANSPORTS = ["pty", "tcp"]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_command(transport: str) -> None:
    async with (
        running_sim(transport=transport, dispensers={1: 2}, unloading_post=9) as sim,
        running_bus(sim, poll=False) as (bus, _events),
    ):
        ident = await bus.identify(1)
        assert (ident.kind, ident.protocol_major, ident.nozzle_count, ident.sale_unit) == (
            DeviceKind.DISPENSER,
            1,
            2,
            SaleUnit.KG,
        )
        assert (await bus.identify(9)).kind is DeviceKind.UNLOADING_POST

        status = await bus.read_status(1)
        assert [n.state for n in status.nozzles] == [NozzleState.IDLE, NozzleState.IDLE]
        assert status.unacked_count == 0

        await bus.set_prices(1, {1: 430, 2: 460})
        assert await bus.read_prices(1) == {1: 430, 2: 460}
        with pytest.raises(DeviceRejected) as rejected:
            await bus.set_prices(1, {5: 400})
        assert rejected.value.code is NakCode.BAD_VALUE

        with pytest.raises(DeviceRejected) as rejected:
            await bus.authorize(1, 1, Preset.amount(1000), 430)
        assert rejected.value.code is NakCode.NOT_LIFTED
        with pytest.raises(InvalidRequest):
            await bus.authorize(1, 1, Preset.amount(0), 430)
        with pytest.raises(InvalidRequest):
            await bus.identify(0)

        progress = await bus.read_progress(1, 2)
        assert (progress.nozzle, progress.quantity, progress.state) == (2, 0, NozzleState.IDLE)
        totals = await bus.read_totalizers(1)
        assert {n: (t.quantity, t.amount) for n, t in totals.items()} == {1: (0, 0), 2: (0, 0)}
        assert (await bus.read_unacknowledged(1)).numbers == ()
        assert await bus.read_alarms(1) == {}
        await bus.stop(1, 2)  # stopping an idle nozzle is harmless
        await bus.stop(1)
        with pytest.raises(DeviceRejected) as rejected:
            await bus.read_transaction(1, 99)
        assert rejected.value.code is NakCode.UNKNOWN_TRANSACTION
        with pytest.raises(DeviceRejected) as rejected:
            await bus.acknowledge(1, 99)
        assert rejected.value.code is NakCode.UNKNOWN_TRANSACTION

        # a short fill on nozzle 2, read back through the commands alone
        sim.lift(1, 2, residual_mpa=5.0)
        assert (await bus.read_status(1)).nozzle(2) is not None
        state = await bus.authorize(1, 2, Preset.quantity(150), 460)
        assert state in (NozzleState.AUTHORIZED, NozzleState.FILLING)
        await until(lambda: sim.state_of(1, 2) is NozzleState.FINISHED)
        unacked = await bus.read_unacknowledged(1)
        assert unacked.total == 1 and unacked.numbers == (1,)
        txn = await bus.read_transaction(1, 1)
        assert (txn.quantity, txn.unit_price, txn.amount) == (150, 460, amount_for(460, 150))
        assert txn.stop_reason is StopReason.PRESET_REACHED
        progress = await bus.read_progress(1, 2)
        assert (progress.quantity, progress.amount, progress.state) == (150, txn.amount, NozzleState.FINISHED)
        with pytest.raises(DeviceRejected) as rejected:
            await bus.authorize(1, 2, Preset.quantity(150), 460)
        assert rejected.value.code is NakCode.UNACKED_PENDING
        await bus.acknowledge(1, 1)
        await bus.acknowledge(1, 1)  # idempotent
        assert (await bus.read_transaction(1, 1)).acknowledged
        assert (await bus.read_status(1)).nozzle(2).state is NozzleState.NOZZLE_LIFTED  # type: ignore[union-attr]
        totals = await bus.read_totalizers(1)
        assert (totals[2].quantity, totals[2].amount) == (150, txn.amount)

        # the unloading post
        unload = await bus.read_unloading_status(9)
        assert unload.state is UnloadState.IDLE
        number = await bus.start_unloading(9)
        assert number == 1
        with pytest.raises(DeviceRejected):
            await bus.start_unloading(9)
        await until(lambda: sim.unload_status().quantity > 100)
        running = await bus.read_unloading_status(9)
        assert running.state is UnloadState.UNLOADING and running.flow > 0 and running.pressure > 0
        assert await bus.stop_unloading(9) == 1
        record = await bus.read_unload_record(9, 1)
        assert record.stop_reason is StopReason.MANUAL_STOP
        assert record.totalizer_after - record.totalizer_before == record.quantity > 0
        assert record.temperature_after <= record.temperature_before
        assert (await bus.read_unacknowledged(9)).numbers == (1,)
        await bus.acknowledge(9, 1)
        assert (await bus.read_unacknowledged(9)).numbers == ()
        assert bus.stats.timeouts == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_whole_fill_by_amount(transport: str) -> None:
    price, preset_fen = 450, 5000
    async with (
        running_sim(transport=transport, dispensers={1: 2}) as sim,
        running_bus(sim) as (bus, events),
    ):
        seen: list[BusEvent] = []
        await wait_event(events, DeviceOnline, lambda e: e.address == 1, seen=seen)
        assert isinstance(seen[0], LinkUp)
        sim.lift(1, 1, residual_mpa=3.0)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED, seen=seen)
        await bus.authorize(1, 1, Preset.amount(preset_fen), price)
        await wait_state(events, 1, 1, NozzleState.FILLING, seen=seen)
        done = await wait_event(events, TransactionCompleted, seen=seen)

        txn = done.transaction
        expected_qty = quantity_for_amount(price, preset_fen)
        assert (done.address, txn.number, txn.nozzle) == (1, 1, 1)
        assert txn.quantity == expected_qty
        assert txn.amount == amount_for(price, txn.quantity) <= preset_fen
        assert txn.stop_reason is StopReason.PRESET_REACHED
        assert txn.preset == Preset(PresetKind.AMOUNT, preset_fen)
        assert txn.pressure_before == 300 < txn.pressure_after
        assert txn.totalizer_after - txn.totalizer_before == txn.quantity
        assert txn.end_time >= txn.start_time and not txn.acknowledged

        progress = [e for e in seen if isinstance(e, FillProgress)]
        assert progress, "no live progress while filling"
        assert all(p.amount == amount_for(price, p.quantity) for p in progress)
        quantities = [p.quantity for p in progress]
        assert quantities == sorted(quantities)
        assert progress[-1].quantity == txn.quantity  # the final figures come through too
        states = [e.new for e in seen if isinstance(e, NozzleStateChanged) and e.nozzle == 1]
        assert states[-1] is NozzleState.FINISHED

        # the driver never acknowledges by itself, and never emits the same transaction twice
        polls = bus.stats.requests
        await until(lambda: bus.stats.requests > polls + 20)
        assert sim.transactions(1)[0].acknowledged is False
        assert not [e for e in _drain(events) if isinstance(e, TransactionCompleted)]

        await bus.acknowledge(1, txn.number)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED)
        totals = await bus.read_totalizers(1)
        assert (totals[1].quantity, totals[1].amount) == (txn.quantity, txn.amount)


def _drain(events: object) -> list[BusEvent]:
    from station.devices.dispenser_bus import EventStream

    assert isinstance(events, EventStream)
    out = []
    while (event := events.get_nowait()) is not None:
        out.append(event)
    return out


async def test_fill_up_ends_at_pressure_limit() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 1}, speed=80.0) as sim,
        running_bus(sim) as (bus, events),
    ):
        sim.lift(1, 1, residual_mpa=12.0, capacity_kg=10.0)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED)
        await bus.authorize(1, 1, Preset.fill_up(), 450)
        done = await wait_event(events, TransactionCompleted)
        txn = done.transaction
        assert txn.stop_reason is StopReason.PRESSURE_LIMIT
        assert txn.pressure_before == 1200
        assert txn.pressure_after >= 2000
        assert 350 <= txn.quantity <= 410  # 8 MPa of a 10 kg cylinder rated at 20 MPa: about 4 kg
        assert txn.amount == amount_for(450, txn.quantity)


async def test_several_dispensers_on_one_bus() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 2, 2: 2, 5: 1}) as sim,
        running_bus(sim) as (bus, events),
    ):
        for address in (1, 2, 5):
            await wait_event(events, DeviceOnline, lambda e, a=address: e.address == a)  # type: ignore[misc]
        sim.lift(1, 2)
        sim.lift(2, 1)
        sim.lift(5, 1)
        await bus.authorize(1, 2, Preset.quantity(200), 450)
        await bus.authorize(2, 1, Preset.quantity(300), 430)
        await bus.authorize(5, 1, Preset.amount(1000), 450)
        got: dict[int, TransactionCompleted] = {}
        while len(got) < 3:
            event = await wait_event(events, TransactionCompleted)
            assert event.address not in got
            got[event.address] = event
        assert got[1].transaction.nozzle == 2 and got[1].transaction.quantity == 200
        assert got[2].transaction.quantity == 300 and got[2].transaction.amount == amount_for(430, 300)
        assert got[5].transaction.quantity == quantity_for_amount(450, 1000)
        assert all(e.transaction.number == 1 for e in got.values())  # numbered per dispenser


async def test_emergency_stop_mid_fill() -> None:
    async with (
        running_sim(transport="tcp", dispensers={3: 2}, speed=10.0) as sim,
        running_bus(sim) as (bus, events),
    ):
        sim.lift(3, 2)
        await wait_state(events, 3, 2, NozzleState.NOZZLE_LIFTED)
        await bus.authorize(3, 2, Preset.fill_up(), 450)
        await wait_event(events, FillProgress, lambda e: e.quantity > 0)
        await bus.stop(3, 2)
        done = await wait_event(events, TransactionCompleted)
        assert done.transaction.stop_reason is StopReason.MANUAL_STOP
        assert bus.nozzle_state(3, 2) is NozzleState.STOPPED or sim.state_of(3, 2) is NozzleState.STOPPED
        await bus.acknowledge(3, done.transaction.number)
        await wait_state(events, 3, 2, NozzleState.NOZZLE_LIFTED)


async def test_hang_up_before_flow_withdraws_authorization() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 1}, speed=0.5) as sim,
        running_bus(sim, poll=False) as (bus, _events),
    ):
        sim.lift(1, 1)
        assert await bus.authorize(1, 1, Preset.amount(2000), 450) is NozzleState.AUTHORIZED
        sim.hang(1, 1)
        status = await bus.read_status(1)
        assert status.nozzles[0].state is NozzleState.IDLE and status.unacked_count == 0
        assert sim.transactions(1) == []


async def test_leak_alarm_mid_fill() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 2}, speed=10.0) as sim,
        running_bus(sim) as (bus, events),
    ):
        sim.lift(1, 1)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED)
        await bus.authorize(1, 1, Preset.fill_up(), 450)
        await wait_event(events, FillProgress, lambda e: e.quantity > 0)
        sim.leak(1, 1)
        alarm = await wait_event(events, AlarmRaised)
        assert (alarm.address, alarm.nozzle, alarm.kind) == (1, 1, AlarmKind.LEAK)
        done = await wait_event(events, TransactionCompleted)
        assert done.transaction.stop_reason is StopReason.LEAK_ALARM
        assert done.transaction.amount == amount_for(450, done.transaction.quantity)
        await until(lambda: bus.nozzle_state(1, 1) is NozzleState.FAULT)
        with pytest.raises(DeviceRejected) as rejected:
            await bus.authorize(1, 1, Preset.fill_up(), 450)
        assert rejected.value.code is NakCode.ALARM_ACTIVE
        assert await bus.read_alarms(1) == {1: AlarmKind.LEAK}
        sim.clear(1, 1)
        await wait_state(events, 1, 1, NozzleState.STOPPED)
        await bus.acknowledge(1, done.transaction.number)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED)


async def test_unloading_post_events() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 1}, unloading_post=20, speed=1000.0) as sim,
        running_bus(sim) as (bus, events),
    ):
        await wait_event(events, DeviceOnline, lambda e: e.address == 20)
        sim.unload_start(trailer_mpa=3.0)
        progress = await wait_event(events, UnloadingProgress, lambda e: e.state is UnloadState.UNLOADING)
        assert progress.address == 20 and progress.record_number == 1
        done = await wait_event(events, UnloadingCompleted)
        assert done.record.stop_reason is StopReason.PRESSURE_LIMIT
        assert done.record.quantity > 0
        await bus.acknowledge(20, done.record.number)
        assert (await bus.read_unacknowledged(20)).total == 0
