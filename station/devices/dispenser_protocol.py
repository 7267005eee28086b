"""Dispenser bus protocol v1.0: the pure codec (no I/O).

The wire format is specified in ``docs/protocols/dispenser.md``; this module is its reference
implementation and the only place that knows byte layouts. Frames::

    FA F5 | ADDR | CMD | SEQ | LEN (u16 LE) | PAYLOAD | CRC-16/MODBUS (LE) over ADDR..PAYLOAD

There is no byte stuffing: the start bytes may appear inside a payload, so the streaming decoder
resynchronises by scanning for ``FA F5`` and accepting a candidate only when its length is sane and its
CRC matches; on failure it skips one byte and scans again.

All numbers are integers: money in fen, quantities in 0.01 of the sale unit, pressures in 0.01 MPa, flow
in 0.01 unit/min, temperatures in 0.1 °C (signed).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import ClassVar, Self, TypeVar

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 0

START = b"\xfa\xf5"
HEADER_LEN = 7  # start(2) addr(1) cmd(1) seq(1) len(2)
CRC_LEN = 2
MIN_FRAME_LEN = HEADER_LEN + CRC_LEN
MAX_PAYLOAD = 512  # no v1.0 payload comes near this; a larger length field is garbage, not a frame
REPLY_FLAG = 0x80
NAK_COMMAND = 0xFF
MIN_ADDRESS = 1
MAX_ADDRESS = 247
MAX_UNACKED_LISTED = 16

U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF

_E = TypeVar("_E", bound=IntEnum)


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


# ---------------------------------------------------------------------------------------------- enums


class Command(IntEnum):
    IDENTIFY = 0x01
    READ_STATUS = 0x02
    SET_PRICES = 0x03
    READ_PRICES = 0x04
    AUTHORIZE = 0x05
    STOP = 0x06
    READ_PROGRESS = 0x07
    READ_TOTALIZERS = 0x08
    READ_UNACKED = 0x09
    READ_TRANSACTION = 0x0A
    ACK_TRANSACTION = 0x0B
    READ_ALARMS = 0x0C
    UNLOAD_STATUS = 0x20
    UNLOAD_START = 0x21
    UNLOAD_STOP = 0x22
    READ_UNLOAD_RECORD = 0x23


class NakCode(IntEnum):
    UNKNOWN_COMMAND = 0x01
    BAD_LENGTH = 0x02
    BAD_VALUE = 0x03  # nozzle number, preset, price out of range
    BAD_STATE = 0x04  # generic: the command does not fit the nozzle's state
    BUSY = 0x05
    UNKNOWN_TRANSACTION = 0x06
    NOT_LIFTED = 0x07  # authorize while the nozzle hangs in its holder
    UNACKED_PENDING = 0x08  # the nozzle's last fill is not acknowledged yet (stacked sale)
    ALARM_ACTIVE = 0x09
    BUFFER_FULL = 0x0A  # the transaction buffer holds its maximum of unacknowledged fills


class DeviceKind(IntEnum):
    DISPENSER = 1
    UNLOADING_POST = 2


class NozzleState(IntEnum):
    IDLE = 0
    NOZZLE_LIFTED = 1
    AUTHORIZED = 2
    FILLING = 3
    FINISHED = 4  # fill ended normally, transaction not acknowledged yet
    STOPPED = 5  # fill ended abnormally (stop, leak, fault, hang-up), not acknowledged yet
    FAULT = 6  # an alarm is latched; cleared only at the dispenser
    OFFLINE = 7  # never on the wire: the driver's word for "the dispenser does not answer"


class StopReason(IntEnum):
    NONE = 0
    PRESET_REACHED = 1
    PRESSURE_LIMIT = 2
    MANUAL_STOP = 3  # STOP command or the dispenser's emergency button
    LEAK_ALARM = 4
    NOZZLE_HUNG_UP = 5
    FAULT = 6
    POWER_FAIL = 7


class AlarmKind(IntFlag):
    NONE = 0
    LEAK = 0x01
    OVER_PRESSURE = 0x02
    FLOW = 0x04
    METER_FAULT = 0x08


ALL_ALARMS = AlarmKind.LEAK | AlarmKind.OVER_PRESSURE | AlarmKind.FLOW | AlarmKind.METER_FAULT


class SaleUnit(IntEnum):
    KG = 1
    NM3 = 2


class PresetKind(IntEnum):
    NONE = 0
    AMOUNT = 1
    QUANTITY = 2
    FILL_UP = 3


class UnloadState(IntEnum):
    IDLE = 0
    UNLOADING = 1
    FAULT = 2


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
    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
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


# ------------------------------------------------------------------------------------- payload helpers


class _Reader:
    """Cursor over a payload; every short read is a PayloadError."""

    def __init__(self, payload: bytes, what: str) -> None:
        self.payload = payload
        self.offset = 0
        self.what = what

    def take(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.payload):
            raise PayloadLengthError(f"{self.what}: payload too short")
        values = struct.unpack_from(fmt, self.payload, self.offset)
        self.offset += size
        return values

    def one(self, fmt: str) -> int:
        return self.take(fmt)[0]

    def end(self) -> None:
        if self.offset != len(self.payload):
            raise PayloadLengthError(f"{self.what}: {len(self.payload) - self.offset} unexpected trailing bytes")


def _enum(cls: type[_E], value: int, what: str) -> _E:
    try:
        return cls(value)
    except ValueError as exc:
        raise PayloadError(f"{what}: unknown {cls.__name__} {value}") from exc


def _alarms(value: int) -> AlarmKind:
    if value & ~int(ALL_ALARMS):
        raise PayloadError(f"unknown alarm bits {value:#04x}")
    return AlarmKind(value)


def _pack(fmt: str, *values: int) -> bytes:
    try:
        return struct.pack(fmt, *values)
    except struct.error as exc:
        raise PayloadError(f"value out of range for {fmt}: {values}") from exc


def _nozzle(value: int, what: str, *, allow_zero: bool = False) -> int:
    if not (0 if allow_zero else 1) <= value <= 0xFF:
        raise PayloadError(f"{what}: nozzle {value} out of range")
    return value


# ------------------------------------------------------------------------------------------- payloads


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    kind: DeviceKind
    protocol_major: int
    protocol_minor: int
    nozzle_count: int
    sale_unit: SaleUnit

    def encode(self) -> bytes:
        return _pack("<BBBBB", self.kind, self.protocol_major, self.protocol_minor, self.nozzle_count, self.sale_unit)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "identity")
        kind, major, minor, count, unit = r.take("<BBBBB")
        r.end()
        return cls(_enum(DeviceKind, kind, "identity"), major, minor, count, _enum(SaleUnit, unit, "identity"))


@dataclass(frozen=True, slots=True)
class NozzleStatus:
    nozzle: int
    state: NozzleState
    alarms: AlarmKind = AlarmKind.NONE
    pressure: int = 0  # 0.01 MPa, what the nozzle's gauge reads now

    FORMAT: ClassVar[str] = "<BBBH"


@dataclass(frozen=True, slots=True)
class DispenserStatus:
    nozzles: tuple[NozzleStatus, ...]
    unacked_count: int = 0
    last_transaction_number: int = 0

    def encode(self) -> bytes:
        out = _pack("<HIB", self.unacked_count, self.last_transaction_number, len(self.nozzles))
        for n in self.nozzles:
            out += _pack(NozzleStatus.FORMAT, _nozzle(n.nozzle, "status"), n.state, n.alarms, n.pressure)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "status")
        unacked, last, count = r.take("<HIB")
        nozzles = []
        for _ in range(count):
            nozzle, state, alarms, pressure = r.take(NozzleStatus.FORMAT)
            nozzle_state = _enum(NozzleState, state, "status")
            if nozzle_state is NozzleState.OFFLINE:
                raise PayloadError("status: OFFLINE is not a wire state")
            nozzles.append(NozzleStatus(_nozzle(nozzle, "status"), nozzle_state, _alarms(alarms), pressure))
        r.end()
        return cls(tuple(nozzles), unacked, last)

    def nozzle(self, number: int) -> NozzleStatus | None:
        return next((n for n in self.nozzles if n.nozzle == number), None)


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Unit price in fen per whole sale unit, per nozzle."""

    prices: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, prices: Mapping[int, int] | Iterable[tuple[int, int]]) -> Self:
        items = prices.items() if isinstance(prices, Mapping) else prices
        return cls(tuple(sorted((int(k), int(v)) for k, v in items)))

    def as_dict(self) -> dict[int, int]:
        return dict(self.prices)

    def encode(self) -> bytes:
        out = _pack("<B", len(self.prices))
        for nozzle, price in self.prices:
            out += _pack("<BI", _nozzle(nozzle, "prices"), price)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "prices")
        count = r.one("<B")
        prices = []
        for _ in range(count):
            nozzle, price = r.take("<BI")
            prices.append((_nozzle(nozzle, "prices"), price))
        r.end()
        return cls(tuple(prices))


@dataclass(frozen=True, slots=True)
class Preset:
    """How much to fill: AMOUNT in fen, QUANTITY in 0.01 units, FILL_UP (value 0) to the pressure limit."""

    kind: PresetKind
    value: int = 0

    @classmethod
    def amount(cls, fen: int) -> Self:
        return cls(PresetKind.AMOUNT, fen)

    @classmethod
    def quantity(cls, centi: int) -> Self:
        return cls(PresetKind.QUANTITY, centi)

    @classmethod
    def fill_up(cls) -> Self:
        return cls(PresetKind.FILL_UP, 0)

    def validate(self) -> None:
        if self.kind in (PresetKind.AMOUNT, PresetKind.QUANTITY):
            if not 0 < self.value <= U32_MAX:
                raise PayloadError(f"preset {self.kind.name} needs a value above zero")
        elif self.kind is PresetKind.FILL_UP:
            if self.value != 0:
                raise PayloadError("a fill-up preset carries value 0")
        else:
            raise PayloadError("an authorization needs a preset")


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    nozzle: int
    preset: Preset
    unit_price: int  # fen per whole unit

    def encode(self) -> bytes:
        self.preset.validate()
        if self.unit_price <= 0:
            raise PayloadError("unit price must be above zero")
        return _pack("<BBII", _nozzle(self.nozzle, "authorize"), self.preset.kind, self.preset.value, self.unit_price)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "authorize")
        nozzle, kind, value, price = r.take("<BBII")
        r.end()
        return cls(_nozzle(nozzle, "authorize"), Preset(_enum(PresetKind, kind, "authorize"), value), price)


@dataclass(frozen=True, slots=True)
class NozzleRef:
    """A request or reply that names one nozzle (STOP, READ_PROGRESS; 0 means all nozzles for STOP)."""

    nozzle: int

    def encode(self) -> bytes:
        return _pack("<B", _nozzle(self.nozzle, "nozzle", allow_zero=True))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "nozzle")
        nozzle = r.one("<B")
        r.end()
        return cls(nozzle)


@dataclass(frozen=True, slots=True)
class AuthorizeReply:
    nozzle: int
    state: NozzleState

    def encode(self) -> bytes:
        return _pack("<BB", _nozzle(self.nozzle, "authorize reply"), self.state)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "authorize reply")
        nozzle, state = r.take("<BB")
        r.end()
        return cls(_nozzle(nozzle, "authorize reply"), _enum(NozzleState, state, "authorize reply"))


@dataclass(frozen=True, slots=True)
class Progress:
    """The running (or, after it ended, the last) fill of a nozzle as the dispenser displays it."""

    nozzle: int
    state: NozzleState
    quantity: int  # 0.01 unit
    amount: int  # fen
    unit_price: int  # fen per unit
    pressure: int  # 0.01 MPa
    flow: int  # 0.01 unit/min
    preset: Preset = field(default_factory=lambda: Preset(PresetKind.NONE, 0))

    FORMAT: ClassVar[str] = "<BBIIIHHBI"

    def encode(self) -> bytes:
        return _pack(
            self.FORMAT,
            _nozzle(self.nozzle, "progress"),
            self.state,
            self.quantity,
            self.amount,
            self.unit_price,
            self.pressure,
            self.flow,
            self.preset.kind,
            self.preset.value,
        )

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "progress")
        nozzle, state, qty, amount, price, pressure, flow, kind, value = r.take(cls.FORMAT)
        r.end()
        return cls(
            _nozzle(nozzle, "progress"),
            _enum(NozzleState, state, "progress"),
            qty,
            amount,
            price,
            pressure,
            flow,
            Preset(_enum(PresetKind, kind, "progress"), value),
        )


@dataclass(frozen=True, slots=True)
class Totalizers:
    """Electronic totalizers of one nozzle: lifetime quantity (0.01 unit) and amount (fen)."""

    nozzle: int
    quantity: int
    amount: int


@dataclass(frozen=True, slots=True)
class TotalizerTable:
    totalizers: tuple[Totalizers, ...]

    def encode(self) -> bytes:
        out = _pack("<B", len(self.totalizers))
        for t in self.totalizers:
            out += _pack("<BQQ", _nozzle(t.nozzle, "totalizers"), t.quantity, t.amount)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "totalizers")
        count = r.one("<B")
        items = []
        for _ in range(count):
            nozzle, qty, amount = r.take("<BQQ")
            items.append(Totalizers(_nozzle(nozzle, "totalizers"), qty, amount))
        r.end()
        return cls(tuple(items))


@dataclass(frozen=True, slots=True)
class AlarmTable:
    alarms: tuple[tuple[int, AlarmKind], ...]  # (nozzle, active alarm bits)

    def encode(self) -> bytes:
        out = _pack("<B", len(self.alarms))
        for nozzle, bits in self.alarms:
            out += _pack("<BB", _nozzle(nozzle, "alarms"), bits)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "alarms")
        count = r.one("<B")
        items = []
        for _ in range(count):
            nozzle, bits = r.take("<BB")
            items.append((_nozzle(nozzle, "alarms"), _alarms(bits)))
        r.end()
        return cls(tuple(items))


@dataclass(frozen=True, slots=True)
class UnackedList:
    """Oldest unacknowledged record numbers (at most 16 listed); ``total`` counts them all."""

    total: int
    numbers: tuple[int, ...]

    def encode(self) -> bytes:
        if len(self.numbers) > MAX_UNACKED_LISTED:
            raise PayloadError(f"at most {MAX_UNACKED_LISTED} numbers per reply")
        return _pack("<HB", self.total, len(self.numbers)) + b"".join(_pack("<I", n) for n in self.numbers)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "unacked")
        total, count = r.take("<HB")
        if count > MAX_UNACKED_LISTED:
            raise PayloadError(f"unacked: {count} numbers listed")
        numbers = tuple(r.one("<I") for _ in range(count))
        r.end()
        return cls(total, numbers)


@dataclass(frozen=True, slots=True)
class TransactionNumber:
    number: int

    def encode(self) -> bytes:
        return _pack("<I", self.number)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "transaction number")
        number = r.one("<I")
        r.end()
        return cls(number)


@dataclass(frozen=True, slots=True)
class Transaction:
    """One completed fill as the dispenser keeps it (numbered per dispenser, increasing from 1)."""

    number: int
    nozzle: int
    unit: SaleUnit
    stop_reason: StopReason
    start_time: int  # unix seconds
    end_time: int
    quantity: int  # 0.01 unit
    unit_price: int  # fen per unit
    amount: int  # fen, as the dispenser computed it
    pressure_before: int  # 0.01 MPa
    pressure_after: int
    totalizer_before: int  # 0.01 unit
    totalizer_after: int
    preset: Preset = field(default_factory=lambda: Preset(PresetKind.NONE, 0))
    acknowledged: bool = False

    FORMAT: ClassVar[str] = "<IBBBIIIIIHHQQBIB"

    def encode(self) -> bytes:
        return _pack(
            self.FORMAT,
            self.number,
            _nozzle(self.nozzle, "transaction"),
            self.unit,
            self.stop_reason,
            self.start_time,
            self.end_time,
            self.quantity,
            self.unit_price,
            self.amount,
            self.pressure_before,
            self.pressure_after,
            self.totalizer_before,
            self.totalizer_after,
            self.preset.kind,
            self.preset.value,
            1 if self.acknowledged else 0,
        )

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "transaction")
        v = r.take(cls.FORMAT)
        r.end()
        if v[15] not in (0, 1):
            raise PayloadError("transaction: acknowledged flag must be 0 or 1")
        return cls(
            number=v[0],
            nozzle=_nozzle(v[1], "transaction"),
            unit=_enum(SaleUnit, v[2], "transaction"),
            stop_reason=_enum(StopReason, v[3], "transaction"),
            start_time=v[4],
            end_time=v[5],
            quantity=v[6],
            unit_price=v[7],
            amount=v[8],
            pressure_before=v[9],
            pressure_after=v[10],
            totalizer_before=v[11],
            totalizer_after=v[12],
            preset=Preset(_enum(PresetKind, v[13], "transaction"), v[14]),
            acknowledged=bool(v[15]),
        )


@dataclass(frozen=True, slots=True)
class NakReply:
    command: int
    code: NakCode

    def encode(self) -> bytes:
        return _pack("<BB", self.command, self.code)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "nak")
        command, code = r.take("<BB")
        r.end()
        return cls(command, _enum(NakCode, code, "nak"))


@dataclass(frozen=True, slots=True)
class UnloadStatus:
    state: UnloadState
    record_number: int  # the running unloading, else the last one (0: none yet)
    quantity: int  # 0.01 unit in the running (or last) unloading
    totalizer: int  # 0.01 unit, lifetime
    flow: int  # 0.01 unit/min
    pressure: int  # inlet (trailer side) pressure, 0.01 MPa
    temperature: int  # gas temperature, 0.1 °C, signed
    unacked_count: int
    alarms: AlarmKind = AlarmKind.NONE

    FORMAT: ClassVar[str] = "<BIIQHHhHB"

    def encode(self) -> bytes:
        return _pack(
            self.FORMAT,
            self.state,
            self.record_number,
            self.quantity,
            self.totalizer,
            self.flow,
            self.pressure,
            self.temperature,
            self.unacked_count,
            self.alarms,
        )

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "unload status")
        state, number, qty, total, flow, pressure, temp, unacked, alarms = r.take(cls.FORMAT)
        r.end()
        return cls(
            _enum(UnloadState, state, "unload status"),
            number,
            qty,
            total,
            flow,
            pressure,
            temp,
            unacked,
            _alarms(alarms),
        )


@dataclass(frozen=True, slots=True)
class UnloadRecord:
    """One unloading of a tube trailer at the unloading post."""

    number: int
    unit: SaleUnit
    stop_reason: StopReason
    start_time: int
    end_time: int
    quantity: int  # 0.01 unit
    totalizer_before: int
    totalizer_after: int
    pressure_before: int  # inlet, 0.01 MPa
    pressure_after: int
    temperature_before: int  # 0.1 °C signed
    temperature_after: int
    acknowledged: bool = False

    FORMAT: ClassVar[str] = "<IBBIIIQQHHhhB"

    def encode(self) -> bytes:
        return _pack(
            self.FORMAT,
            self.number,
            self.unit,
            self.stop_reason,
            self.start_time,
            self.end_time,
            self.quantity,
            self.totalizer_before,
            self.totalizer_after,
            self.pressure_before,
            self.pressure_after,
            self.temperature_before,
            self.temperature_after,
            1 if self.acknowledged else 0,
        )

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "unload record")
        v = r.take(cls.FORMAT)
        r.end()
        if v[12] not in (0, 1):
            raise PayloadError("unload record: acknowledged flag must be 0 or 1")
        return cls(
            number=v[0],
            unit=_enum(SaleUnit, v[1], "unload record"),
            stop_reason=_enum(StopReason, v[2], "unload record"),
            start_time=v[3],
            end_time=v[4],
            quantity=v[5],
            totalizer_before=v[6],
            totalizer_after=v[7],
            pressure_before=v[8],
            pressure_after=v[9],
            temperature_before=v[10],
            temperature_after=v[11],
            acknowledged=bool(v[12]),
        )


def nak_frame(request: Frame, code: NakCode) -> Frame:
    return Frame(request.address, NAK_COMMAND, request.sequence, NakReply(request.command, code).encode())


def reply_frame(request: Frame, payload: bytes = b"") -> Frame:
    return Frame(request.address, request.command | REPLY_FLAG, request.sequence, payload)


def expect_empty(payload: bytes, what: str) -> None:
    if payload:
        raise PayloadLengthError(f"{what}: payload must be empty")
