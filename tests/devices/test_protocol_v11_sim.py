"""Protocol v1.1 on the wire: the simulator answers each new rule's vector byte for byte (raw frames on its TCP
port, no driver), and the driver keeps the rules that are the master's (docs/protocols/dispenser.md §12)."""

from __future__ import annotations

import asyncio
import json
import struct
import time
from dataclasses import replace
from pathlib import Path

import pytest

from station.devices.dispenser_bus import (
    DeviceOnline,
    DispenserBus,
    InvalidRequest,
    LinkDown,
    LinkUp,
    ProtocolMismatch,
)
from station.devices.dispenser_protocol import (
    MAX_UNACKED,
    Command,
    Frame,
    NakCode,
    NozzleState,
    Preset,
    PresetKind,
    PriceTable,
    Progress,
    StopReason,
    Totalizers,
    TotalizerTable,
    Transaction,
    UnloadStatus,
    encode_frame,
)
from station.devices.dispenser_sim import DispenserSimulator
from tests.devices.dispenser_helpers import running_bus, running_sim, until, wait_event
from tests.devices.v11_helpers import V11_VECTORS, fake_device, raw_line, wire


def vector(name: str) -> tuple[bytes, bytes]:
    request, reply = V11_VECTORS[name]
    assert request is not None and reply is not None
    return wire(request), wire(reply)


def authorize_frame(seq: int, nozzle: int, preset: Preset, price: int = 450) -> bytes:
    payload = struct.pack("<BBII", nozzle, preset.kind, preset.value, price)
    return encode_frame(Frame(1, Command.AUTHORIZE, seq, payload))


async def test_v25_a_v11_dispenser_identifies_as_1_1() -> None:
    async with running_sim(dispensers={1: 2}) as sim, raw_line(sim.tcp_port) as line:
        request, reply = vector("V25")
        assert await line.ask(request) == reply


async def test_v14_presets_and_prices_beyond_the_limits_are_bad_values() -> None:
    async with running_sim(dispensers={1: 2}) as sim, raw_line(sim.tcp_port) as line:
        sim.lift(1, 1)
        request, reply = vector("V14")
        assert await line.ask(request) == reply
        for seq, preset, price in (
            (0x50, Preset(PresetKind.QUANTITY, 1_000_000), 450),
            (0x51, Preset.fill_up(), 100_000),
        ):
            answer = Frame(1, 0xFF, seq, bytes((Command.AUTHORIZE, 0x03)))
            assert await line.ask(authorize_frame(seq, 1, preset, price)) == encode_frame(answer)
        assert sim.state_of(1, 1) is NozzleState.NOZZLE_LIFTED
        # the largest valid preset is accepted
        reply_ok = await line.ask(authorize_frame(0x52, 1, Preset.amount(9_999_999), 99_999))
        assert wire_command(reply_ok) == Command.AUTHORIZE | 0x80


def wire_command(raw: bytes) -> int:
    return raw[3]


async def test_v15_stop_of_an_unknown_nozzle_stops_every_fill() -> None:
    async with running_sim(dispensers={1: 2}) as sim, raw_line(sim.tcp_port) as line:
        for seq, nozzle in ((0x30, 1), (0x31, 2)):
            sim.lift(1, nozzle, capacity_kg=500.0)
            await line.ask(authorize_frame(seq, nozzle, Preset.fill_up()))
        await until(lambda: all(sim.state_of(1, n) is NozzleState.FILLING for n in (1, 2)))
        request, reply = vector("V15")
        assert await line.ask(request) == reply
        assert [t.stop_reason for t in sim.transactions(1)] == [StopReason.MANUAL_STOP] * 2
        # a STOP whose payload has the wrong length is carried out too (every nozzle), never NAKed
        empty_stop = encode_frame(Frame(1, Command.STOP, 0x32))
        assert await line.ask(empty_stop) == encode_frame(Frame(1, Command.STOP | 0x80, 0x32, b"\x00"))


async def test_stop_is_carried_out_even_when_it_matches_the_reply_cache() -> None:
    async with running_sim(dispensers={1: 1}, unloading_post=20, speed=1.0) as sim, raw_line(sim.tcp_port) as line:
        request, reply = vector("V24")
        assert await line.ask(request) == reply  # nothing running: the echo, cached
        sim.unload_start(trailer_mpa=20.0)  # the operator starts one at the post: no bus request
        assert await line.ask(request) == reply  # the very same frame, within the window: a retry...
        assert sim.unloading is not None and sim.unloading.current is None  # ...and still carried out
        record = sim.unloading.records[1]
        assert record.stop_reason is StopReason.MANUAL_STOP


async def test_v16_v17_v18_price_tables() -> None:
    async with running_sim(dispensers={1: 2}) as sim, raw_line(sim.tcp_port) as line:
        for name in ("V16", "V17", "V18"):
            request, reply = vector(name)
            assert await line.ask(request) == reply, name
        # the partial table changed nozzle 2 only
        prices = await line.ask(Frame(1, Command.READ_PRICES, 0x60))
        assert PriceTable.decode(prices[7:-2]).as_dict() == {1: 450, 2: 452}
        over = PriceTable(((1, 100_000),)).encode()
        nak = await line.ask(Frame(1, Command.SET_PRICES, 0x61, over))
        assert nak[3] == 0xFF and nak[-3] == 0x03


async def test_v19_v20_ack_of_an_evicted_transaction_is_idempotent() -> None:
    async with running_sim(dispensers={1: 1}, unloading_post=20) as sim, raw_line(sim.tcp_port) as line:
        d = sim.dispensers[1]
        template = Transaction(0, 1, d.unit, StopReason.PRESET_REACHED, 0, 0, 100, 450, 450, 0, 0, 0, 100)
        for number in range(1, 106):
            d.transactions[number] = replace(template, number=number, acknowledged=True)
        d.counter = 105
        d.trim()
        assert 3 not in d.transactions
        for name in ("V19", "V20"):
            request, reply = vector(name)
            if name == "V20":
                d.transactions.clear()
                d.counter = 5  # number 6 was never made: unknown
            assert await line.ask(request) == reply, name
        # the unloading post acknowledges its evicted records the same way
        assert sim.unloading is not None
        sim.unloading.counter = 4
        ack = encode_frame(Frame(20, Command.ACK_TRANSACTION, 0x70, struct.pack("<I", 2)))
        assert await line.ask(ack) == encode_frame(
            Frame(20, Command.ACK_TRANSACTION | 0x80, 0x70, struct.pack("<I", 2))
        )


async def test_v21_unload_start_with_a_full_buffer() -> None:
    async with running_sim(dispensers={1: 1}, unloading_post=20) as sim, raw_line(sim.tcp_port) as line:
        for _ in range(MAX_UNACKED):
            sim.unload_start()
            sim.unload_stop()
        request, reply = vector("V21")
        assert await line.ask(request) == reply


async def test_v23_a_leak_on_one_nozzle_stops_and_locks_the_whole_dispenser() -> None:
    async with running_sim(dispensers={1: 2}) as sim, raw_line(sim.tcp_port) as line:
        sim.lift(1, 1, capacity_kg=500.0)
        await line.ask(authorize_frame(0x20, 1, Preset.fill_up()))
        await until(lambda: sim.state_of(1, 1) is NozzleState.FILLING)
        sim.leak(1, 2)  # the gas detector, reported on nozzle 2
        assert sim.transactions(1)[-1].stop_reason is StopReason.LEAK_ALARM
        await line.ask(encode_frame(Frame(1, Command.ACK_TRANSACTION, 0x21, struct.pack("<I", 1))))
        request, reply = vector("V23")
        assert await line.ask(request) == reply
        sim.clear(1, 2)
        ok = await line.ask(authorize_frame(0x22, 1, Preset.amount(1000)))
        assert ok[3] == Command.AUTHORIZE | 0x80


async def test_v13_unload_status_goes_out_as_26_bytes() -> None:
    async with running_sim(dispensers={1: 1}, unloading_post=20) as sim, raw_line(sim.tcp_port) as line:
        reply = await line.ask(wire(V11_VECTORS["V13"][0]))  # type: ignore[arg-type]
        assert struct.unpack_from("<H", reply, 5)[0] == 26
        UnloadStatus.decode(reply[7:-2])


async def test_reply_cache_window_runs_from_the_latest_retry_and_keeps_naks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("station.devices.dispenser_sim.answers.CACHE_WINDOW", 1.0)  # 2 s would make this slow
    async with running_sim(dispensers={1: 1, 2: 1}) as sim, raw_line(sim.tcp_port) as line:
        request = authorize_frame(0x10, 1, Preset.amount(1000))
        first = await line.ask(request)
        assert first[3] == 0xFF and first[-3] == 0x07  # NOT_LIFTED
        sim.lift(1, 1)
        await line.ask(Frame(2, Command.READ_STATUS, 0x11))  # another device's request: this cache stays
        for _ in range(3):  # retries 0.5 s apart: 1.5 s after the original, each inside the window
            await asyncio.sleep(0.5)
            assert await line.ask(request) == first  # the cached NAK: one request, one outcome
        assert sim.stats["duplicates"] == 3 and sim.state_of(1, 1) is NozzleState.NOZZLE_LIFTED
        await asyncio.sleep(1.3)  # past the window: a late retry is evaluated afresh
        late = await line.ask(request)
        assert late[3] == Command.AUTHORIZE | 0x80


async def test_a_frame_that_stops_mid_way_is_dropped_by_the_device() -> None:
    async with running_sim(dispensers={1: 1}) as sim, raw_line(sim.tcp_port) as line:
        request = encode_frame(Frame(1, Command.READ_STATUS, 0x33))
        await line.send(request[:5])
        await asyncio.sleep(0.2)  # far beyond 20 character times
        await line.send(request[5:])
        assert await line.frame(timeout=0.5) is None
        await line.send(request)  # whole again (pieces close together: the decoder's property test)
        assert await line.frame() is not None


async def test_progress_after_a_withdrawn_authorization_shows_no_fill() -> None:
    async with running_sim(dispensers={1: 1}, speed=0.01) as sim, raw_line(sim.tcp_port) as line:
        sim.lift(1, 1)
        await line.ask(authorize_frame(0x40, 1, Preset.amount(5000), 500))
        assert sim.state_of(1, 1) is NozzleState.AUTHORIZED  # the valve takes 50 s to open at this speed
        await line.ask(Frame(1, Command.STOP, 0x41, b"\x01"))
        reply = await line.ask(Frame(1, Command.READ_PROGRESS, 0x42, b"\x01"))
        assert Progress.decode(reply[7:-2]) == Progress(1, NozzleState.NOZZLE_LIFTED, 0, 0, 450, 200, 0)
        assert sim.transactions(1) == []


async def test_power_fail_ends_when_the_quantity_was_last_stored(tmp_path: Path) -> None:
    state = tmp_path / "dispensers.json"
    sim = DispenserSimulator(
        transport="tcp", dispensers={1: 1}, state_path=state, speed=5.0, control_port=None, baud=None
    )
    await sim.start()
    sim.lift(1, 1)
    async with raw_line(sim.tcp_port) as line:
        await line.ask(authorize_frame(0x50, 1, Preset.fill_up()))
    await until(lambda: state.exists() and '"active": [\n' in state.read_text() and '"saved_at"' in state.read_text())
    # the plug is pulled: no orderly stop, the state file is what the dispenser kept
    for task in sim._tasks:
        task.cancel()
    await asyncio.gather(*sim._tasks, return_exceptions=True)
    await sim._close_tcp()
    saved = json.loads(state.read_text())["dispensers"]["1"]["active"][0]
    await asyncio.sleep(1.2)  # power-up comes later than the loss
    async with running_sim(dispensers={1: 1}, state_path=state) as sim2, raw_line(sim2.tcp_port) as line:
        txn = sim2.transactions(1)[0]
        assert txn.stop_reason is StopReason.POWER_FAIL and txn.quantity == saved["quantity"]
        assert txn.end_time == saved["saved_at"] >= txn.start_time
        reply = await line.ask(Frame(1, Command.READ_PROGRESS, 0x51, b"\x01"))
        progress = Progress.decode(reply[7:-2])
        assert (progress.state, progress.quantity, progress.amount) == (NozzleState.STOPPED, txn.quantity, txn.amount)
        assert (progress.flow, progress.preset) == (0, txn.preset)


async def test_the_driver_refuses_what_v11_forbids() -> None:
    async with running_sim(dispensers={1: 2}) as sim, running_bus(sim, poll=False) as (bus, _events):
        with pytest.raises(InvalidRequest):
            await bus.set_prices(1, {})
        with pytest.raises(InvalidRequest):
            await bus.authorize(1, 1, Preset.amount(10_000_000), 450)
        assert await bus.stop(1, 9) == 0  # the device stopped everything and says so
        assert await bus.stop(1, 2) == 2
        identity = await bus.identify(1)
        assert (identity.protocol_major, identity.protocol_minor) == (1, 1)


async def test_a_device_claiming_nine_nozzles_is_a_protocol_mismatch() -> None:
    nine = wire(V11_VECTORS["V22"][1])  # type: ignore[arg-type]

    def answer(frame: Frame, writer: asyncio.StreamWriter) -> None:
        writer.write(encode_frame(Frame(frame.address, frame.command | 0x80, frame.sequence, nine[7:-2])))

    async with fake_device(answer) as url:
        bus = DispenserBus(url, [1])
        await bus.start(poll=False)
        try:
            assert await bus.wait_connected(10)
            with pytest.raises(ProtocolMismatch):
                await bus.identify(1)
        finally:
            await bus.close()


async def test_the_wait_runs_to_the_last_byte_of_a_long_reply() -> None:
    # An 8-nozzle READ_TOTALIZERS that starts at the 100 ms hard maximum on a 2400-baud line (608 ms on the
    # wire; sent a little faster, for a loaded test machine's margin): far beyond the 150 ms start allowance.
    table = TotalizerTable(tuple(Totalizers(n, 10**9, 10**9) for n in range(1, 9))).encode()

    async def answer(frame: Frame, writer: asyncio.StreamWriter) -> None:
        data = encode_frame(Frame(frame.address, frame.command | 0x80, frame.sequence, table))
        await asyncio.sleep(0.1)
        for i in range(0, len(data), 10):
            writer.write(data[i : i + 10])
            await asyncio.sleep(10 * 10 / 3000)

    async with fake_device(answer) as url:
        bus = DispenserBus(url, [1], baudrate=2400, reply_timeout=0.15, retries=0)
        await bus.start(poll=False)
        try:
            assert await bus.wait_connected(10)
            started = time.monotonic()
            totals = await bus.read_totalizers(1)
            assert len(totals) == 8 and time.monotonic() - started > 0.4
        finally:
            await bus.close()


async def test_a_silent_tcp_link_is_reopened_and_every_device_identified_again() -> None:
    async with running_sim(dispensers={1: 1}) as sim:
        seen: list[int] = []
        answer = sim.handle_request

        def spy(frame: Frame) -> Frame | None:
            seen.append(frame.command)
            return answer(frame)

        sim.handle_request = spy  # type: ignore[method-assign]
        async with running_bus(sim, reply_timeout=0.05, retries=0, tcp_silence=0.5) as (bus, events):
            await wait_event(events, DeviceOnline)
            sim.drop_rate = 1.0  # the converter is gone but no FIN came: a half-open connection
            await wait_event(events, LinkDown)
            assert bus.identity(1) is None
            sim.drop_rate = 0.0
            await wait_event(events, LinkUp)
            await wait_event(events, DeviceOnline)
            assert seen.count(Command.IDENTIFY) >= 2 and bus.stats.reconnects >= 1


async def test_a_v10_device_refusing_a_stop_gets_stop_all() -> None:
    stopped: list[bytes] = []

    def answer(frame: Frame, writer: asyncio.StreamWriter) -> None:
        if frame.command == Command.STOP and frame.payload != b"\x00":
            writer.write(encode_frame(Frame(1, 0xFF, frame.sequence, bytes((Command.STOP, NakCode.BAD_VALUE)))))
            return
        stopped.append(frame.payload)
        writer.write(encode_frame(Frame(1, frame.command | 0x80, frame.sequence, frame.payload)))

    async with fake_device(answer) as url:
        bus = DispenserBus(url, [1])
        await bus.start(poll=False)
        try:
            assert await bus.wait_connected(10)
            assert await bus.stop(1, 9) == 0 and stopped == [b"\x00"]
        finally:
            await bus.close()
