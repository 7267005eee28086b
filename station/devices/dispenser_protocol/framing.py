"""Framing: the frame layout, its limits, CRC-16/MODBUS, the one-frame codec and the streaming decoder.

Frames::

    FA F5 | ADDR | CMD | SEQ | LEN (u16 LE) | PAYLOAD | CRC-16/MODBUS (LE) over ADDR..PAYLOAD

There is no byte stuffing: the start bytes may appear inside a payload, so the streaming decoder
resynchronises by scanning for ``FA F5`` and accepting a candidate only when its length is sane and its
CRC matches; on failure it skips one byte and scans again.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 1

START = b"\xfa\xf5"
HEADER_LEN = 7  # start(2) addr(1) cmd(1) seq(1) len(2)
CRC_LEN = 2
MIN_FRAME_LEN = HEADER_LEN + CRC_LEN
MAX_PAYLOAD = 512  # no v1.1 payload comes near this; a larger length field is garbage, not a frame
REPLY_FLAG = 0x80
NAK_COMMAND = 0xFF
MIN_ADDRESS = 1
MAX_ADDRESS = 247
MAX_UNACKED_LISTED = 16

U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


# --------------------------------------------------------------------------------------------- errors


class ProtocolError(Exception):
    """Base of every error this codec raises."""


class FrameError(ProtocolError):
    """A byte string is not one valid frame."""


class IncompleteFrame(FrameError):
    """Fewer bytes than the header's length field promises."""


class BadStart(FrameError):
    """The bytes do not begin with FA F5."""


class BadLength(FrameError):
    """The length field is larger than MAX_PAYLOAD or disagrees with the byte count."""


class BadCrc(FrameError):
    """The CRC does not match."""


class PayloadError(ProtocolError):
    """A frame is intact but its payload does not fit the command's layout."""


class PayloadLengthError(PayloadError):
    """The payload is shorter or longer than the command's layout."""


# ------------------------------------------------------------------------------------------------ CRC


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16_modbus(data: bytes | bytearray | memoryview, crc: int = 0xFFFF) -> int:
    """CRC-16/MODBUS: poly 0x8005 reflected (0xA001), init 0xFFFF, no final xor. "123456789" -> 0x4B37."""
    table = _CRC_TABLE
    for byte in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


# ---------------------------------------------------------------------------------------------- frame


@dataclass(frozen=True, slots=True)
class Frame:
    address: int
    command: int
    sequence: int
    payload: bytes = b""

    @property
    def is_reply(self) -> bool:
        return bool(self.command & REPLY_FLAG)

    @property
    def is_nak(self) -> bool:
        return self.command == NAK_COMMAND


def encode_frame(frame: Frame) -> bytes:
    if not 0 <= frame.address <= 0xFF:
        raise PayloadError(f"address out of range: {frame.address}")
    if not 0 <= frame.command <= 0xFF or not 0 <= frame.sequence <= 0xFF:
        raise PayloadError("command and sequence are single bytes")
    if len(frame.payload) > MAX_PAYLOAD:
        raise PayloadError(f"payload longer than {MAX_PAYLOAD} bytes")
    body = bytes((frame.address, frame.command, frame.sequence)) + struct.pack("<H", len(frame.payload))
    body += frame.payload
    return START + body + struct.pack("<H", crc16_modbus(body))


def decode_frame(data: bytes | bytearray | memoryview) -> Frame:
    """Decode exactly one frame; raise a FrameError subclass when ``data`` is anything else."""
    raw = bytes(data)
    if len(raw) < 2 or raw[:2] != START:
        if len(raw) < 2 and START.startswith(raw):
            raise IncompleteFrame("frame shorter than its header")
        raise BadStart("frame does not begin with FA F5")
    if len(raw) < HEADER_LEN:
        raise IncompleteFrame("frame shorter than its header")
    (length,) = struct.unpack_from("<H", raw, 5)
    if length > MAX_PAYLOAD:
        raise BadLength(f"length field {length} above {MAX_PAYLOAD}")
    total = HEADER_LEN + length + CRC_LEN
    if len(raw) < total:
        raise IncompleteFrame(f"{len(raw)} bytes, frame needs {total}")
    if len(raw) > total:
        raise BadLength(f"{len(raw) - total} bytes after the frame")
    body = raw[2 : HEADER_LEN + length]
    (crc,) = struct.unpack_from("<H", raw, HEADER_LEN + length)
    if crc16_modbus(body) != crc:
        raise BadCrc(f"crc {crc:04X} != computed {crc16_modbus(body):04X}")
    payload = raw[HEADER_LEN : HEADER_LEN + length]
    return Frame(address=raw[2], command=raw[3], sequence=raw[4], payload=payload)


@dataclass
class DecoderStats:
    frames: int = 0
    garbage_bytes: int = 0  # bytes skipped while hunting for a start
    crc_errors: int = 0
    length_errors: int = 0


@dataclass
class FrameDecoder:
    """Streaming decoder: ``feed`` bytes as they arrive, get whole frames back. Never raises.

    Garbage and corrupt frames are skipped and counted in ``stats``. A candidate frame whose CRC fails
    costs only its first byte, so a real frame hidden inside it (after a false start) is still found.
    """

    max_payload: int = MAX_PAYLOAD
    stats: DecoderStats = field(default_factory=DecoderStats)
    # §3.2: a frame in pieces is dropped after this much silence (seconds; None: never, as for the master,
    # whose reply deadline covers it). Only applied when ``feed`` is given the arrival time.
    inter_byte_timeout: float | None = None
    _buffer: bytearray = field(default_factory=bytearray)
    _last_feed: float = 0.0

    def feed(self, data: bytes | bytearray | memoryview, now: float | None = None) -> list[Frame]:
        if now is not None and self.inter_byte_timeout is not None:
            if self._buffer and now - self._last_feed > self.inter_byte_timeout:
                self.stats.garbage_bytes += len(self._buffer)
                self._buffer.clear()
            self._last_feed = now
        self._buffer += data
        frames: list[Frame] = []
        buf = self._buffer
        while True:
            start = buf.find(START)
            if start < 0:
                # keep a trailing FA: it may be the first half of the next start
                keep = 1 if buf[-1:] == START[:1] else 0
                self.stats.garbage_bytes += len(buf) - keep
                del buf[: len(buf) - keep]
                break
            if start:
                self.stats.garbage_bytes += start
                del buf[:start]
            if len(buf) < HEADER_LEN:
                break
            length = buf[5] | (buf[6] << 8)
            if length > self.max_payload or not MIN_ADDRESS <= buf[2] <= MAX_ADDRESS:
                self.stats.length_errors += 1
                self.stats.garbage_bytes += 1
                del buf[:1]
                continue
            total = HEADER_LEN + length + CRC_LEN
            if len(buf) < total:
                # A false start with a plausible length would otherwise sit on the buffer until enough bytes
                # arrive; if a complete CRC-valid frame starts later in the buffer, the candidate was garbage.
                later = self._complete_frame_after(1)
                if later < 0:
                    break
                self.stats.garbage_bytes += later
                del buf[:later]
                continue
            frame = self._frame_at(0)
            if frame is None:
                self.stats.crc_errors += 1
                self.stats.garbage_bytes += 1
                del buf[:1]
                continue
            frames.append(frame)
            self.stats.frames += 1
            del buf[:total]
        return frames

    def _frame_at(self, pos: int) -> Frame | None:
        """The complete CRC-valid frame starting at ``pos``, or None."""
        buf = self._buffer
        if len(buf) < pos + HEADER_LEN or buf[pos : pos + 2] != START:
            return None
        length = buf[pos + 5] | (buf[pos + 6] << 8)
        if length > self.max_payload or not MIN_ADDRESS <= buf[pos + 2] <= MAX_ADDRESS:
            return None
        end = pos + HEADER_LEN + length
        if len(buf) < end + CRC_LEN:
            return None
        body = bytes(buf[pos + 2 : end])
        if crc16_modbus(body) != buf[end] | (buf[end + 1] << 8):
            return None
        return Frame(address=body[0], command=body[1], sequence=body[2], payload=body[5:])

    def _complete_frame_after(self, pos: int) -> int:
        buf = self._buffer
        while True:
            pos = buf.find(START, pos)
            if pos < 0:
                return -1
            if self._frame_at(pos) is not None:
                return pos
            pos += 1

    def reset(self) -> None:
        self._buffer.clear()

    @property
    def pending(self) -> int:
        return len(self._buffer)


def reply_frame(request: Frame, payload: bytes = b"") -> Frame:
    return Frame(request.address, request.command | REPLY_FLAG, request.sequence, payload)


def expect_empty(payload: bytes, what: str) -> None:
    if payload:
        raise PayloadLengthError(f"{what}: payload must be empty")
