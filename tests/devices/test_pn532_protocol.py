"""PN532 frame codec: manual vectors, typed errors, resynchronisation (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.devices.pn532_protocol import (
    ACK_FRAME,
    ERROR_FRAME,
    NACK_FRAME,
    WAKEUP_SEQUENCE,
    Ack,
    BadPostamble,
    BadStartCode,
    Corrupt,
    DataChecksumError,
    ErrorFrame,
    FirmwareVersion,
    Frame,
    FrameDecoder,
    FrameError,
    LengthChecksumError,
    Nack,
    PassiveTarget,
    ResponseError,
    TrailingBytes,
    TruncatedFrame,
    decode_frame,
    encode_frame,
    encode_in_list_passive_target_answer,
    encode_response,
    expect_response,
    get_firmware_version,
    in_list_passive_target,
    parse_firmware_version,
    parse_in_list_passive_target,
    parse_uid_hex,
    sam_configuration,
)

H = bytes.fromhex


def test_manual_vectors() -> None:
    assert get_firmware_version() == H("00 00 FF 02 FE D4 02 2A 00")
    assert sam_configuration() == H("00 00 FF 05 FB D4 14 01 14 01 02 00")
    assert in_list_passive_target() == H("00 00 FF 04 FC D4 4A 01 00 E1 00")
    assert H("00 00 FF 00 FF 00") == ACK_FRAME
    assert H("00 00 FF FF 00 00") == NACK_FRAME
    assert H("00 00 FF 01 FF 7F 81 00") == ERROR_FRAME
    assert WAKEUP_SEQUENCE.startswith(b"\x55\x55\x00")


def test_firmware_answer_from_the_manual() -> None:
    raw = H("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")
    assert encode_response(0x02, H("32 01 06 07")) == raw
    frame = decode_frame(raw)
    assert isinstance(frame, Frame)
    assert parse_firmware_version(expect_response(frame, 0x02)) == FirmwareVersion(0x32, 1, 6, 7)


def test_special_frames_decode() -> None:
    assert decode_frame(ACK_FRAME) == Ack()
    assert decode_frame(NACK_FRAME) == Nack()
    assert decode_frame(ERROR_FRAME) == ErrorFrame()


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (H("00 00 FF 02"), TruncatedFrame),
        (H("00 01 FF 02 FE D4 02 2A 00"), BadStartCode),
        (H("00 00 FF 02 FD D4 02 2A 00"), LengthChecksumError),
        (H("00 00 FF 02 FE D4 02 2B 00"), DataChecksumError),
        (H("00 00 FF 02 FE D4 02 2A"), BadPostamble),
        (H("00 00 FF 02 FE D4 02 2A 01"), BadPostamble),
        (H("00 00 FF 02 FE D4 02 2A 00 00"), TrailingBytes),
        (H("00 00 FF 02 FE D4 02"), TruncatedFrame),
    ],
)
def test_typed_errors(raw: bytes, error: type[FrameError]) -> None:
    with pytest.raises(error):
        decode_frame(raw)


def test_in_list_passive_target_answers() -> None:
    # MIFARE Classic 1K: ATQA 00 04, SAK 08, 4-byte UID.
    params = H("01 01 00 04 08 04 DE AD BE EF")
    (target,) = parse_in_list_passive_target(params)
    assert target == PassiveTarget(tg=1, sens_res=0x0004, sel_res=0x08, uid=H("DE AD BE EF"))
    assert target.uid_hex == "DEADBEEF"
    assert parse_in_list_passive_target(b"\x00") == []
    # ISO 14443-4 card with an ATS.
    dual = PassiveTarget(tg=1, sens_res=0x0344, sel_res=0x20, uid=H("04 11 22 33 44 55 66"), ats=H("75 77 81 02 80"))
    frame = decode_frame(encode_in_list_passive_target_answer([dual]))
    assert isinstance(frame, Frame)
    assert parse_in_list_passive_target(expect_response(frame, 0x4A)) == [dual]
    with pytest.raises(ResponseError):
        parse_in_list_passive_target(H("01 01 00 04 08 05 DE AD BE EF"))
    with pytest.raises(ResponseError):
        expect_response(Frame(0xD5, H("03 32 01 06 07")), 0x4A)


def test_uid_parsing() -> None:
    assert parse_uid_hex("04:a1:b2:c3") == H("04A1B2C3")
    with pytest.raises(ValueError):
        parse_uid_hex("04A1B2")
    with pytest.raises(ValueError):
        parse_uid_hex("zz")


@given(st.binary(max_size=300))
def test_random_bytes_give_a_frame_or_a_typed_error(raw: bytes) -> None:
    try:
        item = decode_frame(raw)
    except FrameError:
        return
    assert isinstance(item, Ack | Nack | ErrorFrame | Frame)


@given(st.lists(st.binary(max_size=64), max_size=8))
def test_streaming_decoder_never_raises(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    for chunk in chunks:
        for item in decoder.feed(chunk):
            assert isinstance(item, Ack | Nack | ErrorFrame | Frame | Corrupt)


@given(st.sampled_from([0xD4, 0xD5]), st.binary(min_size=1, max_size=264))
def test_encode_decode_round_trip(tfi: int, data: bytes) -> None:
    raw = encode_frame(tfi, data)
    assert decode_frame(raw) == Frame(tfi=tfi, data=data, extended=len(data) + 1 > 255)
    assert FrameDecoder().feed(raw) == [Frame(tfi=tfi, data=data, extended=len(data) + 1 > 255)]


@given(
    st.binary(max_size=80).filter(lambda g: b"\x00\xff" not in g),
    st.binary(min_size=1, max_size=40),
    st.lists(st.integers(min_value=0, max_value=200), max_size=6),
)
def test_garbage_before_a_frame_does_not_hide_it(garbage: bytes, data: bytes, cuts: list[int]) -> None:
    stream = garbage + encode_frame(0xD5, data)
    decoder = FrameDecoder()
    items = []
    # Any split of the stream into reads gives the same result.
    points = sorted({c % (len(stream) + 1) for c in cuts})
    prev = 0
    for point in [*points, len(stream)]:
        items += decoder.feed(stream[prev:point])
        prev = point
    assert items == [Frame(tfi=0xD5, data=data)]


@given(st.binary(min_size=1, max_size=40), st.binary(min_size=1, max_size=40))
def test_corrupt_frame_before_a_good_one(bad: bytes, good: bytes) -> None:
    broken = bytearray(encode_frame(0xD5, bad))
    broken[-2] ^= 0x01  # spoil the DCS
    items = FrameDecoder().feed(bytes(broken) + encode_frame(0xD5, good))
    assert isinstance(items[0], Corrupt)
    assert items[-1] == Frame(tfi=0xD5, data=good)
