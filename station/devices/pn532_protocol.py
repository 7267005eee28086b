"""NXP PN532 host link (UM0701-02 §6.2), one cohesive pure codec (frames + the 5 commands we send), no I/O.

It stays one file past ~400 lines on purpose: the commands are a few lines each over the frame codec, and
the reader and the simulator each import both halves.

Normal information frame::

    00 | 00 FF | LEN | LCS | TFI | PD0 .. PDn | DCS | 00
    LEN counts TFI + PD; LEN + LCS = 0 (mod 256); TFI + sum(PD) + DCS = 0 (mod 256)

Extended information frame (LEN > 255 is impossible in a normal frame)::

    00 | 00 FF | FF FF | LENM LENL | LCS | TFI | PD0 .. PDn | DCS | 00

ACK ``00 00 FF 00 FF 00``, NACK ``00 00 FF FF 00 00``, and the application error frame
``00 00 FF 01 FF 7F 81 00`` (a normal frame whose single data byte is 0x7F).

The streaming :class:`FrameDecoder` never raises on bad input: it hands back :class:`Corrupt` items so the
driver can count them and ask for a retransmission, and it resynchronises on the next start code. The strict
:func:`decode_frame` is for one complete frame and raises a :class:`FrameError` subclass.
"""

from __future__ import annotations

from dataclasses import dataclass

PREAMBLE = 0x00
START_CODE = b"\x00\xff"
POSTAMBLE = 0x00
TFI_HOST_TO_PN532 = 0xD4
TFI_PN532_TO_HOST = 0xD5
TFI_ERROR = 0x7F

ACK_FRAME = b"\x00\x00\xff\x00\xff\x00"
NACK_FRAME = b"\x00\x00\xff\xff\x00\x00"
ERROR_FRAME = b"\x00\x00\xff\x01\xff\x7f\x81\x00"

# HSU wake-up (UM0701-02 §7.2.11 / libnfc): 0x55 0x55 then a long run of zeros gives the PN532 time to
# leave power-down before the first real frame; the zeros read as a harmless long preamble.
WAKEUP_SEQUENCE = b"\x55\x55" + b"\x00" * 14

CMD_DIAGNOSE = 0x00
CMD_GET_FIRMWARE_VERSION = 0x02
CMD_SAM_CONFIGURATION = 0x14
CMD_RF_CONFIGURATION = 0x32
CMD_IN_LIST_PASSIVE_TARGET = 0x4A
CMD_IN_RELEASE = 0x52

SAM_MODE_NORMAL = 0x01
BRTY_106_TYPE_A = 0x00
RF_CFG_MAX_RETRIES = 0x05

MAX_NORMAL_DATA = 255  # TFI + PD in a normal frame
MAX_EXTENDED_DATA = 265  # the PN532's own buffer limit for extended frames


class FrameError(Exception):
    """Bytes that are not a valid PN532 frame."""


class TruncatedFrame(FrameError):
    """The bytes end before the frame does."""


class BadStartCode(FrameError):
    """No ``00 FF`` start code where the frame should begin."""


class LengthChecksumError(FrameError):
    """LEN + LCS is not 0 mod 256."""


class DataChecksumError(FrameError):
    """TFI + PD + DCS is not 0 mod 256."""


class BadPostamble(FrameError):
    """The byte after DCS is not 0x00."""


class TrailingBytes(FrameError):
    """Bytes follow a complete frame."""


class ResponseError(FrameError):
    """A well-formed frame that does not answer the command it should."""


@dataclass(frozen=True, slots=True)
class Ack:
    pass


@dataclass(frozen=True, slots=True)
class Nack:
    pass


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """The PN532's application-level error frame (syntax error in the host's frame)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A normal or extended information frame: ``data`` is PD0..PDn (command code first)."""

    tfi: int
    data: bytes
    extended: bool = False

    @property
    def command(self) -> int:
        if not self.data:
            raise ResponseError("frame carries no command code")
        return self.data[0]

    @property
    def params(self) -> bytes:
        return self.data[1:]


@dataclass(frozen=True, slots=True)
class Corrupt:
    """A frame the decoder dropped; ``error`` says why."""

    error: FrameError


Decoded = Ack | Nack | ErrorFrame | Frame | Corrupt


def _checksum(values: bytes) -> int:
    return (-sum(values)) & 0xFF


def encode_frame(tfi: int, data: bytes) -> bytes:
    """Encode TFI + PD as a normal frame, or an extended frame when it does not fit."""
    if not 0 <= tfi <= 0xFF:
        raise ValueError("TFI must be a byte")
    body = bytes([tfi]) + data
    if len(body) > MAX_EXTENDED_DATA:
        raise ValueError(f"frame data too long: {len(body)} bytes")
    dcs = _checksum(body)
    if len(body) <= MAX_NORMAL_DATA:
        length = len(body)
        header = bytes([length, _checksum(bytes([length]))])
    else:
        lenm, lenl = divmod(len(body), 256)
        header = bytes([0xFF, 0xFF, lenm, lenl, _checksum(bytes([lenm, lenl]))])
    return bytes([PREAMBLE]) + START_CODE + header + body + bytes([dcs, POSTAMBLE])


def encode_command(command: int, params: bytes = b"") -> bytes:
    """A host → PN532 command frame (TFI 0xD4)."""
    return encode_frame(TFI_HOST_TO_PN532, bytes([command]) + params)


def encode_response(command: int, params: bytes = b"") -> bytes:
    """A PN532 → host response frame (TFI 0xD5, code = command + 1)."""
    return encode_frame(TFI_PN532_TO_HOST, bytes([(command + 1) & 0xFF]) + params)


class FrameDecoder:
    """Incremental decoder: ``feed`` bytes, get back every complete item, in order.

    Garbage before a start code is skipped. On a checksum failure only the bogus start code is dropped, so a
    real frame hiding in the bytes after it is still found.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.garbage_bytes = 0

    def reset(self) -> None:
        self._buffer.clear()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Decoded]:
        self._buffer += data
        out: list[Decoded] = []
        while True:
            item = self._next()
            if item is None:
                return out
            out.append(item)

    def _skip(self, count: int) -> None:
        del self._buffer[:count]

    def _next(self) -> Decoded | None:
        buf = self._buffer
        start = buf.find(START_CODE)
        if start < 0:
            # Keep a trailing 0x00: it may be the first half of a start code still on the wire.
            keep = 1 if buf.endswith(b"\x00") else 0
            self.garbage_bytes += len(buf) - keep
            self._skip(len(buf) - keep)
            return None
        # Bytes before the start code (preambles, wake-up zeros, line noise) are dropped.
        self.garbage_bytes += max(0, start - 1)
        self._skip(start)
        if len(buf) < 4:
            return None
        length, lcs = buf[2], buf[3]
        if length == 0x00 and lcs == 0xFF:
            self._skip(4)
            return Ack()
        if length == 0xFF and lcs == 0x00:
            self._skip(4)
            return Nack()
        if length == 0xFF and lcs == 0xFF:
            if len(buf) < 7:
                return None
            lenm, lenl, elcs = buf[4], buf[5], buf[6]
            if (lenm + lenl + elcs) & 0xFF:
                self._skip(2)
                return Corrupt(LengthChecksumError("extended frame length checksum"))
            ext_len = lenm * 256 + lenl
            if ext_len == 0 or ext_len > MAX_EXTENDED_DATA:
                self._skip(2)
                return Corrupt(LengthChecksumError(f"extended frame length {ext_len} out of range"))
            return self._body(7, ext_len, extended=True)
        if (length + lcs) & 0xFF or length == 0:
            self._skip(2)
            return Corrupt(LengthChecksumError(f"LEN {length:#04x} LCS {lcs:#04x}"))
        return self._body(4, length, extended=False)

    def _body(self, offset: int, length: int, *, extended: bool) -> Decoded | None:
        buf = self._buffer
        if len(buf) < offset + length + 1:
            return None
        body = bytes(buf[offset : offset + length])
        dcs = buf[offset + length]
        if (sum(body) + dcs) & 0xFF:
            self._skip(2)
            return Corrupt(DataChecksumError(f"DCS {dcs:#04x} does not match"))
        self._skip(offset + length + 1)
        # The postamble is not waited for: a missing one costs nothing, and stray zeros are skipped later.
        if body[0] == TFI_ERROR and length == 1:
            return ErrorFrame()
        return Frame(tfi=body[0], data=body[1:], extended=extended)


def decode_frame(raw: bytes) -> Ack | Nack | ErrorFrame | Frame:
    """Strictly decode exactly one frame (preamble and postamble required); raise a FrameError."""
    if len(raw) < 6:
        raise TruncatedFrame(f"{len(raw)} bytes is shorter than any frame")
    if raw[0] != PREAMBLE or raw[1:3] != START_CODE:
        raise BadStartCode(f"frame starts {raw[:3].hex(' ')}")
    length, lcs = raw[3], raw[4]
    if (length, lcs) in ((0x00, 0xFF), (0xFF, 0x00)):
        end = 5
        item: Ack | Nack | ErrorFrame | Frame = Ack() if length == 0 else Nack()
    else:
        if (length, lcs) == (0xFF, 0xFF):
            if len(raw) < 8:
                raise TruncatedFrame("extended frame header ends early")
            if (raw[5] + raw[6] + raw[7]) & 0xFF:
                raise LengthChecksumError("extended frame length checksum")
            offset, size = 8, raw[5] * 256 + raw[6]
            if size == 0 or size > MAX_EXTENDED_DATA:
                raise LengthChecksumError(f"extended frame length {size} out of range")
        else:
            if (length + lcs) & 0xFF or length == 0:
                raise LengthChecksumError(f"LEN {length:#04x} LCS {lcs:#04x}")
            offset, size = 5, length
        if len(raw) < offset + size + 1:
            raise TruncatedFrame("frame ends before its DCS")
        body = raw[offset : offset + size]
        if (sum(body) + raw[offset + size]) & 0xFF:
            raise DataChecksumError(f"DCS {raw[offset + size]:#04x} does not match")
        end = offset + size + 1
        if body[0] == TFI_ERROR and size == 1:
            item = ErrorFrame()
        else:
            item = Frame(tfi=body[0], data=bytes(body[1:]), extended=offset == 8)
    if len(raw) == end:
        raise BadPostamble("postamble missing")
    if raw[end] != POSTAMBLE:
        raise BadPostamble(f"postamble {raw[end]:#04x}")
    if len(raw) > end + 1:
        raise TrailingBytes(f"{len(raw) - end - 1} bytes after the frame")
    return item


# --- commands and their answers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FirmwareVersion:
    ic: int
    ver: int
    rev: int
    support: int

    def __str__(self) -> str:
        return f"PN5{self.ic:02x} v{self.ver}.{self.rev} (support {self.support:#04x})"


@dataclass(frozen=True, slots=True)
class PassiveTarget:
    """One ISO/IEC 14443 type A target from InListPassiveTarget."""

    tg: int
    sens_res: int  # ATQA, as the two bytes read big-endian
    sel_res: int  # SAK
    uid: bytes
    ats: bytes = b""

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper()


def get_firmware_version() -> bytes:
    return encode_command(CMD_GET_FIRMWARE_VERSION)


def sam_configuration(timeout_50ms: int = 0x14, use_irq: bool = True) -> bytes:
    """Normal mode: the SAM is not used, which also takes the PN532 out of its power-on low-VBat state."""
    return encode_command(CMD_SAM_CONFIGURATION, bytes([SAM_MODE_NORMAL, timeout_50ms & 0xFF, int(use_irq)]))


def rf_configuration_max_retries(atr: int = 0xFF, psl: int = 0x01, passive_activation: int = 0x02) -> bytes:
    """Bound InListPassiveTarget's retries so a poll with no card answers NbTg=0 instead of waiting forever."""
    return encode_command(CMD_RF_CONFIGURATION, bytes([RF_CFG_MAX_RETRIES, atr, psl, passive_activation]))


def in_list_passive_target(max_targets: int = 1, brty: int = BRTY_106_TYPE_A) -> bytes:
    return encode_command(CMD_IN_LIST_PASSIVE_TARGET, bytes([max_targets, brty]))


def in_release(tg: int = 0) -> bytes:
    return encode_command(CMD_IN_RELEASE, bytes([tg]))


def expect_response(frame: Frame, command: int) -> bytes:
    """Check ``frame`` answers ``command``; return its parameters."""
    if frame.tfi != TFI_PN532_TO_HOST:
        raise ResponseError(f"TFI {frame.tfi:#04x}, expected {TFI_PN532_TO_HOST:#04x}")
    if frame.command != (command + 1) & 0xFF:
        raise ResponseError(f"response code {frame.command:#04x} does not answer command {command:#04x}")
    return frame.params


def parse_firmware_version(params: bytes) -> FirmwareVersion:
    if len(params) != 4:
        raise ResponseError(f"GetFirmwareVersion answer has {len(params)} bytes, expected 4")
    return FirmwareVersion(ic=params[0], ver=params[1], rev=params[2], support=params[3])


def parse_in_list_passive_target(params: bytes) -> list[PassiveTarget]:
    """Parse the 106 kbps type A answer: NbTg, then per target Tg, SENS_RES(2), SEL_RES, NFCIDLength,
    NFCID1, and (when SEL_RES bit 6 says ISO 14443-4) ATS length + ATS."""
    if not params:
        raise ResponseError("InListPassiveTarget answer is empty")
    count = params[0]
    if count > 2:
        raise ResponseError(f"NbTg {count} is more than the PN532 can list")
    targets: list[PassiveTarget] = []
    pos = 1
    for _ in range(count):
        if len(params) < pos + 5:
            raise ResponseError("InListPassiveTarget answer ends inside a target")
        tg = params[pos]
        sens_res = int.from_bytes(params[pos + 1 : pos + 3], "big")
        sel_res = params[pos + 3]
        uid_len = params[pos + 4]
        pos += 5
        if uid_len not in (4, 7, 10) or len(params) < pos + uid_len:
            raise ResponseError(f"NFCID1 length {uid_len} is not valid")
        uid = bytes(params[pos : pos + uid_len])
        pos += uid_len
        ats = b""
        if sel_res & 0x20 and pos < len(params):
            ats_len = params[pos]
            if ats_len == 0 or len(params) < pos + ats_len:
                raise ResponseError("ATS length runs past the answer")
            ats = bytes(params[pos + 1 : pos + ats_len])
            pos += ats_len
        targets.append(PassiveTarget(tg=tg, sens_res=sens_res, sel_res=sel_res, uid=uid, ats=ats))
    if pos != len(params):
        raise ResponseError(f"{len(params) - pos} unexpected bytes after the targets")
    return targets


def encode_in_list_passive_target_answer(targets: list[PassiveTarget]) -> bytes:
    """The PN532 side of InListPassiveTarget (used by the simulator and tests)."""
    out = bytearray([len(targets)])
    for target in targets:
        out += bytes([target.tg]) + target.sens_res.to_bytes(2, "big") + bytes([target.sel_res])
        out += bytes([len(target.uid)]) + target.uid
        if target.ats:
            out += bytes([len(target.ats) + 1]) + target.ats
    return encode_response(CMD_IN_LIST_PASSIVE_TARGET, bytes(out))


def parse_uid_hex(text: str) -> bytes:
    """A card UID typed as hex ("04A1B2C3", "04:a1:b2:c3"): 4, 7 or 10 bytes."""
    cleaned = text.strip().replace(":", "").replace(" ", "").replace("-", "")
    try:
        uid = bytes.fromhex(cleaned)
    except ValueError as exc:
        raise ValueError(f"not a hex UID: {text!r}") from exc
    if len(uid) not in (4, 7, 10):
        raise ValueError(f"a UID is 4, 7 or 10 bytes, got {len(uid)}: {text!r}")
    return uid
