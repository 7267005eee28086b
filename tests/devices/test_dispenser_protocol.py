"""Dispenser bus codec: CRC and frame vectors from the spec, parser fuzzing, payload round trips."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.devices.dispenser_protocol import (
    MAX_NOZZLES,
    MAX_PAYLOAD,
    AlarmKind,
    AlarmTable,
    AuthorizeReply,
    AuthorizeRequest,
    BadCrc,
    BadLength,
    BadStart,
    Command,
    DeviceIdentity,
    DeviceKind,
    DispenserStatus,
    Frame,
    FrameDecoder,
    FrameError,
    IncompleteFrame,
    NakCode,
    NakReply,
    NozzleRef,
    NozzleState,
    NozzleStatus,
    PayloadError,
    Preset,
    PresetKind,
    PriceTable,
    Progress,
    SaleUnit,
    StopReason,
    Totalizers,
    TotalizerTable,
    Transaction,
    TransactionNumber,
    UnackedList,
    UnloadRecord,
    UnloadState,
    UnloadStatus,
    crc16_modbus,
    decode_frame,
    encode_frame,
    nak_frame,
)

# --------------------------------------------------------------------------- vectors (docs §4 and §11)


def test_crc_check_value() -> None:
    assert crc16_modbus(b"123456789") == 0x4B37


def test_crc_of_empty_is_init() -> None:
    assert crc16_modbus(b"") == 0xFFFF


VECTORS = [
    (Frame(1, Command.IDENTIFY, 0x10), "FA F5 01 01 10 00 00 19 F9"),
    (
        Frame(1, Command.IDENTIFY | 0x80, 0x10, DeviceIdentity(DeviceKind.DISPENSER, 1, 0, 2, SaleUnit.KG).encode()),
        "FA F5 01 81 10 05 00 01 01 00 02 01 E5 04",
    ),
    (
        Frame(2, Command.AUTHORIZE, 0x2A, AuthorizeRequest(1, Preset.amount(10000), 450).encode()),
        "FA F5 02 05 2A 0A 00 01 01 10 27 00 00 C2 01 00 00 DE EA",
    ),
    (
        Frame(2, Command.AUTHORIZE | 0x80, 0x2A, AuthorizeReply(1, NozzleState.AUTHORIZED).encode()),
        "FA F5 02 85 2A 02 00 01 02 BF 7A",
    ),
    (nak_frame(Frame(2, Command.AUTHORIZE, 0x2A), NakCode.NOT_LIFTED), "FA F5 02 FF 2A 02 00 05 07 76 23"),
    (Frame(1, Command.READ_TRANSACTION, 0x11, TransactionNumber(7).encode()), "FA F5 01 0A 11 04 00 07 00 00 00 86 EE"),
]


# V6..V12 of docs/protocols/dispenser.md §4, checked by decoding the documented bytes
DOC_VECTORS = [
    "FA F5 01 02 12 00 00 B8 7D",
    "FA F5 01 82 12 11 00 01 00 06 00 00 00 02 01 03 00 F3 05 02 00 00 00 00 56 26",
    "FA F5 01 07 14 01 00 01 21 FA",
    "FA F5 01 87 14 17 00 01 03 D2 04 00 00 B1 15 00 00 C2 01 00 00 F3 05 7E 04 01 10 27 00 00 5F 3B",
    "FA F5 01 8A 11 35 00 07 00 00 00 01 01 01 00 B9 55 69 B4 B9 55 69 AE 08 00 00 C2 01 00 00 0F 27 00 00 C8 00 "
    "3A 07 40 E2 01 00 00 00 00 00 EE EA 01 00 00 00 00 00 01 10 27 00 00 00 60 B8",
    "FA F5 01 0B 13 04 00 07 00 00 00 64 E2",
    "FA F5 01 8B 13 04 00 07 00 00 00 6C 82",
]


def test_documented_replies_decode() -> None:
    frames = [decode_frame(bytes.fromhex(w)) for w in DOC_VECTORS]
    status = DispenserStatus.decode(frames[1].payload)
    assert (status.unacked_count, status.last_transaction_number) == (1, 6)
    assert status.nozzles == (
        NozzleStatus(1, NozzleState.FILLING, AlarmKind.NONE, 1523),
        NozzleStatus(2, NozzleState.IDLE),
    )
    progress = Progress.decode(frames[3].payload)
    assert (progress.quantity, progress.amount, progress.pressure, progress.flow) == (1234, 5553, 1523, 1150)
    txn = Transaction.decode(frames[4].payload)
    assert (txn.number, txn.quantity, txn.amount, txn.totalizer_after) == (7, 2222, 9999, 125678)
    assert TransactionNumber.decode(frames[6].payload).number == 7


@pytest.mark.parametrize(("frame", "wire"), VECTORS)
def test_frame_vectors(frame: Frame, wire: str) -> None:
    raw = bytes.fromhex(wire)
    assert encode_frame(frame) == raw
    assert decode_frame(raw) == frame


def test_transaction_vector() -> None:
    txn = Transaction(
        number=7,
        nozzle=1,
        unit=SaleUnit.KG,
        stop_reason=StopReason.PRESET_REACHED,
        start_time=1767225600,
        end_time=1767225780,
        quantity=2222,
        unit_price=450,
        amount=9999,
        pressure_before=200,
        pressure_after=1850,
        totalizer_before=123456,
        totalizer_after=125678,
        preset=Preset.amount(10000),
    )
    payload = txn.encode()
    assert len(payload) == 53
    assert payload.hex(" ").upper() == (
        "07 00 00 00 01 01 01 00 B9 55 69 B4 B9 55 69 AE 08 00 00 C2 01 00 00 0F 27 00 00 C8 00 3A 07 "
        "40 E2 01 00 00 00 00 00 EE EA 01 00 00 00 00 00 01 10 27 00 00 00"
    )
    assert Transaction.decode(payload) == txn


# --------------------------------------------------------------------------------- one-shot errors


def test_decode_frame_errors_are_typed() -> None:
    good = encode_frame(Frame(3, Command.READ_STATUS, 5))
    with pytest.raises(BadStart):
        decode_frame(b"\x00" + good)
    with pytest.raises(IncompleteFrame):
        decode_frame(good[:-1])
    with pytest.raises(BadLength):
        decode_frame(good + b"\x00")
    broken = bytearray(good)
    broken[-1] ^= 0xFF
    with pytest.raises(BadCrc):
        decode_frame(bytes(broken))
    with pytest.raises(BadLength):
        decode_frame(b"\xfa\xf5\x01\x01\x01\xff\xff")


# ---------------------------------------------------------------------------------------- fuzzing

frames = st.builds(
    Frame,
    address=st.integers(1, 247),
    command=st.integers(0, 255),
    sequence=st.integers(0, 255),
    payload=st.binary(max_size=80),
)


@given(st.binary(max_size=300))
def test_random_bytes_give_typed_error_or_frame(data: bytes) -> None:
    try:
        frame = decode_frame(data)
    except FrameError:
        return
    assert encode_frame(frame) == data


@given(st.binary(max_size=400))
def test_streaming_decoder_never_raises(data: bytes) -> None:
    decoder = FrameDecoder()
    out = decoder.feed(data)
    for frame in out:
        assert 1 <= frame.address <= 247
        assert len(frame.payload) <= MAX_PAYLOAD


@given(frames)
def test_frame_round_trip(frame: Frame) -> None:
    assert decode_frame(encode_frame(frame)) == frame


@given(st.binary(max_size=64), st.lists(frames, min_size=1, max_size=4), st.integers(1, 17))
def test_garbage_before_frames_does_not_hide_them(garbage: bytes, items: list[Frame], chunk: int) -> None:
    # garbage with no start bytes: everything after it must come through, whatever the chunking
    garbage = garbage.replace(b"\xfa", b"\x00")
    stream = garbage + b"".join(encode_frame(f) for f in items)
    decoder = FrameDecoder()
    got: list[Frame] = []
    for i in range(0, len(stream), chunk):
        got += decoder.feed(stream[i : i + chunk])
    assert got == items
    assert decoder.stats.garbage_bytes >= len(garbage)


@given(st.binary(max_size=40), frames)
def test_arbitrary_garbage_then_quiet_then_frame(garbage: bytes, frame: Frame) -> None:
    # The master resets its decoder before each request; after a reset a frame is always found,
    # and even without a reset a complete frame following garbage is found.
    decoder = FrameDecoder()
    decoder.feed(garbage)
    decoder.reset()
    assert decoder.feed(encode_frame(frame)) == [frame]
    decoder2 = FrameDecoder()
    got = decoder2.feed(garbage + encode_frame(frame))
    assert got[-1:] == [frame] or frame in got


def test_false_start_with_huge_length_does_not_stall() -> None:
    frame = Frame(1, Command.READ_STATUS | 0x80, 9, b"\xfa\xf5\x01\x02")
    decoder = FrameDecoder()
    assert decoder.feed(b"\xfa\xf5\x01\x01\x01\x00\x01" + encode_frame(frame)) == [frame]


def test_corrupt_frame_is_skipped_and_counted() -> None:
    good = encode_frame(Frame(4, Command.READ_PRICES, 1))
    bad = bytearray(good)
    bad[-2] ^= 0x10
    decoder = FrameDecoder()
    assert decoder.feed(bytes(bad) + good) == [Frame(4, Command.READ_PRICES, 1)]
    assert decoder.stats.crc_errors >= 1


# ---------------------------------------------------------------------------------- payload round trips

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
u64 = st.integers(0, 0xFFFF_FFFF_FFFF_FFFF)
i16 = st.integers(-0x8000, 0x7FFF)
nozzle = st.integers(1, MAX_NOZZLES)  # v1.1: nozzles 1..8 (test_protocol_v11 checks the refusals)
alarms = st.integers(0, 15).map(AlarmKind)
wire_states = st.sampled_from([s for s in NozzleState if s is not NozzleState.OFFLINE])
presets = st.builds(Preset, st.sampled_from(PresetKind), u32)

PAYLOADS: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (DeviceIdentity, st.builds(DeviceIdentity, st.sampled_from(DeviceKind), u8, u8, nozzle, st.sampled_from(SaleUnit))),
    (
        DispenserStatus,
        st.builds(
            DispenserStatus,
            st.lists(st.builds(NozzleStatus, nozzle, wire_states, alarms, u16), max_size=8).map(tuple),
            u16,
            u32,
        ),
    ),
    (PriceTable, st.lists(st.tuples(nozzle, u32), max_size=8).map(lambda x: PriceTable(tuple(x)))),
    (NozzleRef, st.builds(NozzleRef, u8)),
    (AuthorizeReply, st.builds(AuthorizeReply, nozzle, st.sampled_from(NozzleState))),
    (Progress, st.builds(Progress, nozzle, st.sampled_from(NozzleState), u32, u32, u32, u16, u16, presets)),
    (TotalizerTable, st.lists(st.builds(Totalizers, nozzle, u64, u64), max_size=8).map(lambda x: TotalizerTable(tuple(x)))),
    (AlarmTable, st.lists(st.tuples(nozzle, alarms), max_size=8).map(lambda x: AlarmTable(tuple(x)))),
    (UnackedList, st.builds(UnackedList, u16, st.lists(u32, max_size=16).map(tuple))),
    (TransactionNumber, st.builds(TransactionNumber, u32)),
    (
        Transaction,
        st.builds(
            Transaction,
            u32, nozzle, st.sampled_from(SaleUnit), st.sampled_from(StopReason), u32, u32, u32, u32, u32,
            u16, u16, u64, u64, presets, st.booleans(),
        ),
    ),
    (NakReply, st.builds(NakReply, u8, st.sampled_from(NakCode))),
    (
        UnloadStatus,
        st.builds(UnloadStatus, st.sampled_from(UnloadState), u32, u32, u64, u16, u16, i16, u16, alarms),
    ),
    (
        UnloadRecord,
        st.builds(
            UnloadRecord,
            u32, st.sampled_from(SaleUnit), st.sampled_from(StopReason), u32, u32, u32, u64, u64, u16, u16,
            i16, i16, st.booleans(),
        ),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "strategy"), PAYLOADS, ids=[c.__name__ for c, _ in PAYLOADS])
def test_payload_round_trip(cls: Any, strategy: st.SearchStrategy[Any]) -> None:
    @given(strategy)
    def check(value: Any) -> None:
        assert cls.decode(value.encode()) == value

    check()


def test_authorize_request_round_trip_and_validation() -> None:
    for preset in (Preset.amount(5000), Preset.quantity(1234), Preset.fill_up()):
        req = AuthorizeRequest(2, preset, 450)
        assert AuthorizeRequest.decode(req.encode()) == req
    with pytest.raises(PayloadError):
        AuthorizeRequest(1, Preset.amount(0), 450).encode()
    with pytest.raises(PayloadError):
        AuthorizeRequest(1, Preset(PresetKind.FILL_UP, 5), 450).encode()
    with pytest.raises(PayloadError):
        AuthorizeRequest(1, Preset.amount(100), 0).encode()


DECODERS: list[Callable[[bytes], object]] = [cls.decode for cls, _ in PAYLOADS] + [AuthorizeRequest.decode]


@given(st.binary(max_size=80))
def test_payload_decoders_only_raise_payload_errors(data: bytes) -> None:
    for decode in DECODERS:
        with contextlib.suppress(PayloadError):
            decode(data)
