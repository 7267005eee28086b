"""Injected faults and restarts: the driver recovers, nothing is lost or counted twice, no stray exception."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from station.devices.dispenser_bus import (
    AlarmRaised,
    BusEvent,
    DeviceOffline,
    DeviceOnline,
    DeviceRejected,
    DispenserBus,
    LinkDown,
    LinkUp,
    NozzleStateChanged,
    TransactionCompleted,
)
from station.devices.dispenser_protocol import (
    AlarmKind,
    Command,
    Frame,
    NakCode,
    NozzleState,
    Preset,
    StopReason,
    encode_frame,
)
from station.devices.dispenser_sim import DispenserSimulator
from station.money import amount_for, quantity_for_amount
from tests.devices.dispenser_helpers import (
    authorize_through_faults,
    persist,
    running_bus,
    running_sim,
    until,
    wait_event,
    wait_state,
)

FAULTS: dict[str, dict[str, Any]] = {
    "crc-errors": {"crc_error_rate": 0.3},
    "dropped-replies": {"drop_rate": 0.3},
    "garbage": {"garbage_rate": 0.6},
    "delays": {"delay_ms": 40},
    "everything": {"crc_error_rate": 0.15, "drop_rate": 0.15, "garbage_rate": 0.3, "delay_ms": 10},
}
# each fault over one transport, the mix over both: keeps the suite short while covering pty and TCP
CASES = [
    ("crc-errors", "pty"),
    ("dropped-replies", "tcp"),
    ("garbage", "pty"),
    ("delays", "tcp"),
    ("everything", "pty"),
    ("everything", "tcp"),
]


@pytest.mark.parametrize(("fault", "transport"), CASES)
async def test_two_fills_through_faults(fault: str, transport: str) -> None:
    async with (
        running_sim(transport=transport, dispensers={1: 2, 2: 1}, seed=11, speed=80.0, **FAULTS[fault]) as sim,
        running_bus(sim, offline_after=1000, reply_timeout=0.1) as (bus, events),
    ):
        sim.lift(1, 1)
        sim.lift(2, 1)
        await until(lambda: bus.nozzle_state(1, 1) is NozzleState.NOZZLE_LIFTED)
        await until(lambda: bus.nozzle_state(2, 1) is NozzleState.NOZZLE_LIFTED)
        await authorize_through_faults(bus, 1, 1, Preset.amount(3000), 450)
        await authorize_through_faults(bus, 2, 1, Preset.quantity(500), 430)
        got: list[TransactionCompleted] = []
        while len(got) < 2:
            got.append(await wait_event(events, TransactionCompleted))
        by_address = {e.address: e.transaction for e in got}
        assert set(by_address) == {1, 2}
        assert by_address[1].quantity == quantity_for_amount(450, 3000)
        assert by_address[1].amount == amount_for(450, by_address[1].quantity)
        assert by_address[2].quantity == 500 and by_address[2].amount == amount_for(430, 500)
        for address, txn in by_address.items():
            await persist(lambda a=address, n=txn.number: bus.acknowledge(a, n))  # type: ignore[misc]
        # authorize was carried out exactly once per fill, even where replies were lost and retried
        assert [t.number for t in sim.transactions(1)] == [1]
        assert [t.number for t in sim.transactions(2)] == [1]
        assert all(t.acknowledged for t in sim.transactions(1) + sim.transactions(2))
        # more polls: the acknowledged transactions never come back
        requests = bus.stats.requests
        await until(lambda: bus.stats.requests > requests + 12)
        stray = []
        while (event := events.get_nowait()) is not None:
            stray.append(event)
        assert not [e for e in stray if isinstance(e, TransactionCompleted)]
        injected = sum(sim.stats[k] for k in ("crc_corrupted", "dropped", "garbage", "delayed"))
        assert injected > 0


async def test_late_replies_do_not_make_authorize_act_twice() -> None:
    # every reply arrives after the driver's timeout: the retry (same sequence) is answered from the cache
    async with (
        running_sim(transport="tcp", dispensers={1: 1}, delay_ms=150) as sim,
        running_bus(sim, poll=False, reply_timeout=0.1, retries=3) as (bus, _events),
    ):
        sim.lift(1, 1)
        state = await bus.authorize(1, 1, Preset.quantity(100), 450)
        assert state in (NozzleState.AUTHORIZED, NozzleState.FILLING)
        assert sim.stats["duplicates"] >= 1
        await until(lambda: len(sim.transactions(1)) == 1)
        await asyncio.sleep(0.3)
        assert len(sim.transactions(1)) == 1
        assert bus.stats.retries >= 1


async def test_tcp_disconnect_and_return_mid_fill() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 2}, speed=15.0) as sim,
        running_bus(sim, backoff_max=0.3) as (bus, events),
    ):
        seen: list[BusEvent] = []
        sim.lift(1, 1)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED, seen=seen)
        await bus.authorize(1, 1, Preset.amount(2000), 450)
        await wait_state(events, 1, 1, NozzleState.FILLING, seen=seen)
        await sim.disconnect(1.0)
        await wait_event(events, LinkDown, seen=seen)
        await wait_event(events, LinkUp, seen=seen)
        done = await wait_event(events, TransactionCompleted, seen=seen)
        assert done.transaction.quantity == quantity_for_amount(450, 2000)
        offline = [e for e in seen if isinstance(e, NozzleStateChanged) and e.new is NozzleState.OFFLINE]
        assert offline, "nozzles were not reported offline while the link was down"
        await bus.acknowledge(1, done.transaction.number)
        await asyncio.sleep(0.3)
        assert not [e for e in _drain(events) if isinstance(e, TransactionCompleted)]
        assert bus.stats.reconnects >= 1


async def test_pty_line_silent_then_back() -> None:
    async with (
        running_sim(transport="pty", dispensers={1: 1, 2: 1}, speed=15.0) as sim,
        running_bus(sim, reply_timeout=0.05, retries=1) as (bus, events),
    ):
        sim.lift(2, 1)
        await wait_state(events, 2, 1, NozzleState.NOZZLE_LIFTED)
        await bus.authorize(2, 1, Preset.quantity(400), 450)
        await sim.disconnect(1.0)
        await wait_event(events, DeviceOffline, lambda e: e.address == 2)
        await wait_event(events, DeviceOnline, lambda e: e.address == 2)
        done = await wait_event(events, TransactionCompleted)
        assert (done.address, done.transaction.quantity) == (2, 400)


async def test_garbage_on_the_line_between_frames() -> None:
    # raw garbage written straight onto the pty, outside any reply: the driver keeps going
    async with (
        running_sim(transport="pty", dispensers={1: 1}) as sim,
        running_bus(sim, poll=False) as (bus, _events),
    ):
        assert sim._master is not None
        for junk in (b"\xfa\xf5\x01\x81\x00\xff", b"\x00" * 50, b"\xfa", encode_frame(Frame(1, 0x81, 3))):
            os.write(sim._master, junk)
            status = await bus.read_status(1)
            assert status.nozzles[0].state is NozzleState.IDLE


async def test_leak_rate_injects_a_leak_mid_fill() -> None:
    async with (
        running_sim(transport="tcp", dispensers={1: 1}, leak_rate=1.0) as sim,
        running_bus(sim) as (bus, events),
    ):
        sim.lift(1, 1)
        await wait_state(events, 1, 1, NozzleState.NOZZLE_LIFTED)
        await bus.authorize(1, 1, Preset.amount(4000), 450)
        alarm = await wait_event(events, AlarmRaised)
        assert alarm.kind is AlarmKind.LEAK
        done = await wait_event(events, TransactionCompleted)
        txn = done.transaction
        assert txn.stop_reason is StopReason.LEAK_ALARM
        assert 0 < txn.quantity < quantity_for_amount(450, 4000)
        assert txn.amount == amount_for(450, txn.quantity)


async def test_transaction_recovered_after_driver_restart_mid_fill() -> None:
    async with running_sim(transport="pty", dispensers={1: 2}, speed=20.0) as sim:
        async with running_bus(sim) as (bus, events):
            sim.lift(1, 2)
            await wait_state(events, 1, 2, NozzleState.NOZZLE_LIFTED)
            await bus.authorize(1, 2, Preset.amount(3000), 450)
            await wait_state(events, 1, 2, NozzleState.FILLING)
        # the POS is down while the fill finishes
        await until(lambda: len(sim.transactions(1)) == 1)
        async with running_bus(sim) as (bus2, events2):
            done = await wait_event(events2, TransactionCompleted)
            assert (done.address, done.transaction.number, done.transaction.nozzle) == (1, 1, 2)
            assert done.transaction.quantity == quantity_for_amount(450, 3000)
            # re-reading on request emits it again; without the request it is emitted once
            bus2.reread_unacknowledged(1)
            again = await wait_event(events2, TransactionCompleted)
            assert again.transaction == done.transaction
            await bus2.acknowledge(1, 1)
            await wait_state(events2, 1, 2, NozzleState.NOZZLE_LIFTED)


async def test_simulator_restart_keeps_totalizers_and_unacked(tmp_path: Path) -> None:
    state = tmp_path / "dispensers.json"
    async with (
        running_sim(transport="tcp", dispensers={1: 2}, state_path=state) as sim,
        running_bus(sim) as (bus, events),
    ):
        for number, qty in ((1, 300), (2, 250)):
            sim.lift(1, 1)
            await until(lambda: bus.nozzle_state(1, 1) is NozzleState.NOZZLE_LIFTED)
            await bus.authorize(1, 1, Preset.quantity(qty), 450)
            done = await wait_event(events, TransactionCompleted)
            assert done.transaction.number == number
            if number == 1:
                await bus.acknowledge(1, 1)
    assert state.exists()

    async with (
        running_sim(transport="tcp", dispensers={1: 2}, state_path=state) as sim2,
        running_bus(sim2) as (bus, events),
    ):
        done = await wait_event(events, TransactionCompleted)
        assert done.transaction.number == 2 and done.transaction.quantity == 250
        assert done.transaction.totalizer_after == 550
        totals = await bus.read_totalizers(1)
        assert (totals[1].quantity, totals[1].amount) == (550, amount_for(450, 300) + amount_for(450, 250))
        assert (await bus.read_transaction(1, 1)).acknowledged
        with pytest.raises(DeviceRejected) as rejected:
            sim2.lift(1, 1)
            await bus.authorize(1, 1, Preset.quantity(100), 450)
        assert rejected.value.code is NakCode.UNACKED_PENDING
        await bus.acknowledge(1, 2)
        await until(lambda: bus.nozzle_state(1, 1) is NozzleState.NOZZLE_LIFTED)
        await bus.authorize(1, 1, Preset.quantity(100), 450)
        done = await wait_event(events, TransactionCompleted)
        assert done.transaction.number == 3 and done.transaction.totalizer_before == 550


async def test_simulator_stopped_mid_fill_books_a_power_fail(tmp_path: Path) -> None:
    state = tmp_path / "dispensers.json"
    sim = DispenserSimulator(transport="tcp", dispensers={1: 1}, state_path=state, speed=5.0, baud=None)
    await sim.start()
    sim.lift(1, 1)
    async with running_bus(sim, poll=False) as (bus, _events):
        await bus.authorize(1, 1, Preset.fill_up(), 450)
        await until(lambda: sim.progress(sim.dispensers[1], sim.dispensers[1].nozzles[1]).quantity > 0)
    await sim.stop()
    async with running_sim(transport="tcp", dispensers={1: 1}, state_path=state) as sim2:
        txns = sim2.transactions(1)
        assert len(txns) == 1 and txns[0].stop_reason is StopReason.POWER_FAIL
        assert txns[0].quantity > 0 and txns[0].amount == amount_for(450, txns[0].quantity)
        assert sim2.totalizer(1, 1)[0] == txns[0].quantity


async def test_commands_while_link_down_raise_link_down() -> None:
    from station.devices.dispenser_bus import LinkDownError

    bus = DispenserBus("socket://127.0.0.1:1", [1], backoff_max=0.1)
    await bus.start()
    try:
        with pytest.raises(LinkDownError):
            await bus.read_status(1)
    finally:
        await bus.close()


async def test_no_answer_from_an_absent_address() -> None:
    from station.devices.dispenser_bus import DeviceTimeout

    async with (
        running_sim(transport="tcp", dispensers={1: 1}) as sim,
        running_bus(sim, addresses=[1, 7], reply_timeout=0.05) as (bus, events),
    ):
        with pytest.raises(DeviceTimeout):
            await bus.read_status(7)
        with pytest.raises(DeviceRejected) as rejected:
            await bus._request(1, Command.READ_STATUS, b"\x00")
        assert rejected.value.code is NakCode.BAD_LENGTH
        await wait_event(events, DeviceOnline, lambda e: e.address == 1)


def _drain(events: Any) -> list[BusEvent]:
    out = []
    while (event := events.get_nowait()) is not None:
        out.append(event)
    return out
