"""Protocol v1.1 in the codec: the new vectors of docs/protocols/dispenser.md §4.1 decode as documented, the value
limits hold, the timing figures of §5 and the inter-byte timeout of §3.2 (properties where a rule is one)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.devices.dispenser_protocol import (
    MAX_NOZZLES,
    MAX_PRESET_AMOUNT,
    MAX_PRESET_QUANTITY,
    MAX_UNIT_PRICE,
    U32_MAX,
    AlarmKind,
    AuthorizeRequest,
    Command,
    DeviceIdentity,
    DispenserStatus,
    Frame,
    FrameDecoder,
    NakCode,
    NakReply,
    NozzleRef,
    NozzleState,
    NozzleStatus,
    PayloadError,
    Preset,
    PresetKind,
    PriceTable,
    Totalizers,
    TotalizerTable,
    TransactionNumber,
    UnloadState,
    UnloadStatus,
    char_time,
    decode_frame,
    encode_frame,
    inter_byte_timeout,
    max_reply_payload,
    reply_deadline,
    t35,
    wire_time,
)
from station.money import amount_for
from tests.devices.v11_helpers import V11_VECTORS, wire

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocols" / "dispenser.md"


def test_the_document_lists_every_v11_vector_with_these_bytes() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.startswith("# CNG dispenser bus protocol (加气机通讯协议) — version 1.2")  # 1.1's vectors stand
    for name, (request, reply) in V11_VECTORS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| {name} |")), None)
        assert row is not None, f"{name} missing from §4.1"
        for side in (request, reply):
            if side is not None:
                assert f"`{side}`" in row, f"{name}: {side} not in the document"
    assert re.search(r"^## 12\. Changes in 1\.1", text, re.M)
    assert re.search(r"^## 13\. Changes in 1\.2", text, re.M)


def test_every_v11_vector_is_one_valid_frame() -> None:
    for request, reply in V11_VECTORS.values():
        for side in (request, reply):
            if side is not None:
                raw = wire(side)
                assert encode_frame(decode_frame(raw)) == raw


def test_v13_unload_status_is_26_bytes_with_the_alarm_byte_at_25() -> None:
    status = UnloadStatus(UnloadState.UNLOADING, 3, 12345, 9876543, 2500, 1820, -35, 2, AlarmKind.NONE)
    frame = decode_frame(wire(V11_VECTORS["V13"][1]))  # type: ignore[arg-type]
    assert len(frame.payload) == 26 and UnloadStatus.decode(frame.payload) == status
    leak = UnloadStatus(UnloadState.FAULT, 3, 0, 1, 0, 0, 0, 0x0102, AlarmKind.LEAK).encode()
    assert leak[23:25] == b"\x02\x01" and leak[25] == 0x01  # u16 unacked at 23, alarms at 25: no overlap
    with pytest.raises(PayloadError):
        UnloadStatus.decode(frame.payload[:25])


def test_naks_and_echoes_of_the_vectors() -> None:
    def nak(name: str) -> NakReply:
        return NakReply.decode(decode_frame(wire(V11_VECTORS[name][1])).payload)  # type: ignore[arg-type]

    assert nak("V14") == NakReply(Command.AUTHORIZE, NakCode.BAD_VALUE)
    assert nak("V16") == nak("V17") == NakReply(Command.SET_PRICES, NakCode.BAD_VALUE)
    assert nak("V20") == NakReply(Command.ACK_TRANSACTION, NakCode.UNKNOWN_TRANSACTION)
    assert nak("V21") == NakReply(Command.UNLOAD_START, NakCode.BUFFER_FULL)
    assert nak("V23") == NakReply(Command.AUTHORIZE, NakCode.ALARM_ACTIVE)
    stop = decode_frame(wire(V11_VECTORS["V15"][0]))  # type: ignore[arg-type]
    assert NozzleRef.decode(stop.payload).nozzle == 9  # any u8 decodes: a STOP is never refused for its nozzle
    assert NozzleRef.decode(decode_frame(wire(V11_VECTORS["V15"][1])).payload).nozzle == 0  # type: ignore[arg-type]
    ack = decode_frame(wire(V11_VECTORS["V19"][1]))  # type: ignore[arg-type]
    assert TransactionNumber.decode(ack.payload).number == 3
    identity = decode_frame(wire(V11_VECTORS["V25"][1])).payload  # type: ignore[arg-type]
    assert DeviceIdentity.decode(identity).protocol_minor == 1


# --------------------------------------------------------------------------------------- nozzles 1..8


def test_a_device_claiming_nine_nozzles_is_refused() -> None:
    payload = decode_frame(wire(V11_VECTORS["V22"][1])).payload  # type: ignore[arg-type]
    with pytest.raises(PayloadError):
        DeviceIdentity.decode(payload)


@given(st.integers(MAX_NOZZLES + 1, 255))
def test_tables_longer_than_eight_nozzles_do_not_decode(count: int) -> None:
    for cls, entry in ((TotalizerTable, 17), (PriceTable, 5)):
        with pytest.raises(PayloadError):
            cls.decode(bytes([count]) + bytes(entry * count))
    with pytest.raises(PayloadError):
        DispenserStatus.decode(struct.pack("<HIB", 0, 0, count) + bytes(5 * count))


@given(st.integers(1, MAX_NOZZLES))
def test_reply_lengths_never_exceed_the_documented_maximum(n: int) -> None:
    nozzles = range(1, n + 1)
    status = DispenserStatus(tuple(NozzleStatus(i, NozzleState.FILLING) for i in nozzles)).encode()
    totals = TotalizerTable(tuple(Totalizers(i, 2**64 - 1, 2**64 - 1) for i in nozzles)).encode()
    assert len(status) == max_reply_payload(Command.READ_STATUS, n)
    assert len(totals) == max_reply_payload(Command.READ_TOTALIZERS, n)
    assert len(PriceTable(tuple((i, 1) for i in nozzles)).encode()) == max_reply_payload(Command.READ_PRICES, n)


# ------------------------------------------------------------------------------------ prices and presets


@given(st.sampled_from([PresetKind.AMOUNT, PresetKind.QUANTITY]), st.integers(0, U32_MAX))
def test_preset_range(kind: PresetKind, value: int) -> None:
    top = MAX_PRESET_AMOUNT if kind is PresetKind.AMOUNT else MAX_PRESET_QUANTITY
    if 1 <= value <= top:
        Preset(kind, value).validate()
    else:
        with pytest.raises(PayloadError):
            Preset(kind, value).validate()


@given(st.integers(-1, 2 * MAX_UNIT_PRICE))
def test_unit_price_range(price: int) -> None:
    request = AuthorizeRequest(1, Preset.fill_up(), price)
    if 1 <= price <= MAX_UNIT_PRICE:
        assert AuthorizeRequest.decode(request.encode()) == request
    else:
        with pytest.raises(PayloadError):
            request.encode()


@given(st.integers(1, MAX_UNIT_PRICE), st.integers(0, MAX_PRESET_QUANTITY))
def test_no_amount_within_the_limits_overflows_its_u32(price: int, quantity: int) -> None:
    assert amount_for(price, quantity) <= U32_MAX


# ------------------------------------------------------------------------------------------- timing §5


def test_character_times_at_9600() -> None:
    assert char_time(9600) == pytest.approx(1.0417e-3, rel=1e-3)
    assert t35(9600) == pytest.approx(3.65e-3, abs=1e-5)  # not 5 ms: the master's 5 ms gap is above it
    assert t35(115200) == 1.75e-3
    assert inter_byte_timeout(9600) == pytest.approx(20.8e-3, rel=1e-2)
    assert inter_byte_timeout(115200) == 0.020


def test_an_eight_nozzle_totalizer_reply_gets_its_wire_time() -> None:
    assert 9 + max_reply_payload(Command.READ_TOTALIZERS, 8) == 146
    assert wire_time(146, 9600) == pytest.approx(0.1521, abs=1e-4)
    # request on the wire (9.4 ms) + reply start allowance + the reply's own 152 ms
    assert reply_deadline(Command.READ_TOTALIZERS, 9, 9600, 0.1, 8) == pytest.approx(0.2615, abs=1e-4)
    assert reply_deadline(Command.READ_TOTALIZERS, 9, 9600, 0.1, 1) < reply_deadline(
        Command.READ_TOTALIZERS, 9, 9600, 0.1, 8
    )


@given(st.sampled_from(list(Command)), st.integers(1, MAX_NOZZLES), st.sampled_from([9600, 19200, 115200]))
def test_every_deadline_covers_the_hard_reply_start_and_the_longest_reply(command: Command, n: int, baud: int) -> None:
    deadline = reply_deadline(command, 9, baud, 0.1, n)
    assert deadline >= 0.1 + wire_time(9 + max_reply_payload(command, n), baud)


# --------------------------------------------------------------------------------- inter-byte timeout §3.2

frames = st.builds(Frame, st.integers(1, 247), st.integers(0, 0x7F), st.integers(0, 255), st.binary(max_size=40))


@given(frames, st.data())
def test_a_frame_in_pieces_survives_short_gaps_and_not_long_ones(frame: Frame, data: st.DataObject) -> None:
    raw = encode_frame(frame)
    cut = data.draw(st.integers(1, len(raw) - 1))
    timeout = inter_byte_timeout(9600)
    quick = FrameDecoder(inter_byte_timeout=timeout)
    assert quick.feed(raw[:cut], 10.0) == []
    assert quick.feed(raw[cut:], 10.0 + timeout * data.draw(st.floats(0, 0.99))) == [frame]
    slow = FrameDecoder(inter_byte_timeout=timeout)
    slow.feed(raw[:cut], 10.0)
    assert slow.feed(raw[cut:], 10.0 + timeout * data.draw(st.floats(1.01, 100))) == []
    assert slow.feed(raw, 99.0) == [frame]  # the next whole frame is found again
