"""The rating pad's (服务评价器) lines: what the station sends, what the pad answers (docs/protocols/rating_pad.md).

Every message is one ASCII line, ``$BODY*HH`` + CR LF, ``HH`` the XOR of the body's bytes in upper-case hex (the
NMEA checksum): a line hit by noise is dropped, never read as another score. Pure functions: no I/O here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

MAX_LINE = 64  # bytes before CR LF; a longer run without CR LF is noise and is dropped
MIN_SCORE, MAX_SCORE = 1, 5


class Score(enum.IntEnum):
    """The pad's five keys, best first on the pad, as the seeds' satisfaction scale names them."""

    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    FAIR = 3  # 一般
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 很不满意


@dataclass(frozen=True)
class Ask:
    """Station → pad: light the keys and the prompt (请您评价) for request ``seq`` (1..9999)."""

    seq: int


@dataclass(frozen=True)
class Cancel:
    """Station → pad: the question is withdrawn (the driver left); the keys go dark."""

    seq: int


@dataclass(frozen=True)
class Ping:
    """Station → pad: are you there?"""


@dataclass(frozen=True)
class Pong:
    """Pad → station: present, with its model and firmware version."""

    model: str
    version: str


@dataclass(frozen=True)
class Pressed:
    """Pad → station: the driver pressed ``score`` while request ``seq`` was lit."""

    seq: int
    score: Score


Message = Ask | Cancel | Ping | Pong | Pressed


def checksum(body: bytes) -> str:
    value = 0
    for byte in body:
        value ^= byte
    return f"{value:02X}"


def _line(body: str) -> bytes:
    raw = body.encode("ascii")
    return b"$" + raw + b"*" + checksum(raw).encode("ascii") + b"\r\n"


def _seq(seq: int) -> str:
    if not 1 <= seq <= 9999:
        raise ValueError(f"request number {seq} outside 1..9999")
    return str(seq)


def encode(message: Message) -> bytes:
    match message:
        case Ask(seq):
            return _line(f"ASK,{_seq(seq)}")
        case Cancel(seq):
            return _line(f"CANCEL,{_seq(seq)}")
        case Ping():
            return _line("PING")
        case Pong(model, version):
            if "," in model + version or "*" in model + version:
                raise ValueError("model and version may hold neither ',' nor '*'")
            return _line(f"PONG,{model},{version}")
        case Pressed(seq, score):
            return _line(f"KEY,{_seq(seq)},{int(score)}")
    raise TypeError(f"not a rating pad message: {message!r}")


def decode(line: bytes) -> Message | None:
    """One line without its CR LF; None for anything that is not a whole, valid message (noise, a bad checksum,
    an unknown word, a number out of range)."""
    if len(line) > MAX_LINE or not line.startswith(b"$") or line[-3:-2] != b"*":
        return None
    body, sent = line[1:-3], line[-2:]
    try:
        if checksum(body) != sent.decode("ascii").upper():
            return None
        words = body.decode("ascii").split(",")
    except UnicodeDecodeError:
        return None
    try:
        match words:
            case ["ASK", seq]:
                return Ask(_number(seq))
            case ["CANCEL", seq]:
                return Cancel(_number(seq))
            case ["PING"]:
                return Ping()
            case ["PONG", model, version]:
                return Pong(model, version)
            case ["KEY", seq, score]:
                value = int(score) if score.isdigit() else 0
                if not MIN_SCORE <= value <= MAX_SCORE:
                    return None
                return Pressed(_number(seq), Score(value))
    except ValueError:
        return None
    return None


def _number(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    value = int(text)
    _seq(value)
    return value


class LineReader:
    """Bytes off the wire → messages, across reads (a line may arrive in pieces). Noise is skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped = 0  # lines (or runs of noise) that were not a valid message

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        out: list[Message] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE + 2:  # no line end in sight: noise
                    self._buffer.clear()
                    self.dropped += 1
                return out
            raw = bytes(self._buffer[:end]).rstrip(b"\r")
            del self._buffer[: end + 1]
            start = raw.rfind(b"$")  # noise before the line's start is not part of it
            message = decode(raw[start:]) if start >= 0 else None
            if message is None:
                if raw:
                    self.dropped += 1
                continue
            out.append(message)
