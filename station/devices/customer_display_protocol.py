"""The bytes of the common 8-digit LED customer display (客显), and what they make it show.

The command set (docs/protocols/customer_display.md) is the one the widely sold serial pole displays share:
``ESC @`` initialise, ``CLR`` (0x0C) blank the digits, ``ESC s n`` light one indicator, ``ESC Q A d… CR`` show
a number. A :class:`Picture` is what the customer sees: the digits text and the lit indicator. The driver
encodes pictures with :func:`encode_picture`; the simulator decodes bytes back into pictures with
:class:`DisplayParser`, so both sides share one definition and a test can round-trip them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

ESC, CLR, CR = 0x1B, 0x0C, 0x0D
ESC_INIT = b"\x1b\x40"  # ESC @
ESC_LIGHT = b"\x1b\x73"  # ESC s n: n is ASCII '0'..'4'
ESC_DIGITS = b"\x1b\x51\x41"  # ESC Q A d1..dn CR

DIGIT_CELLS = 8
MAX_FEN = 10**DIGIT_CELLS - 1  # 999999.99 yuan: eight digits with the decimal point on the third from the right
# Shown when an amount cannot be shown truthfully (too big, negative): dashes light only the middle segment,
# so it never reads as a number; a display that lacks '-' shows nothing, which is not a number either.
OVERFLOW_DIGITS = "-" * DIGIT_CELLS
# Longest ESC Q A body a display buffers before we call the command garbage (8 digits, a point, slack).
_MAX_BODY = 32
_BODY_CHARS = frozenset(b"0123456789.- ")


class Light(enum.IntEnum):
    """The four indicator lights under the digits (0 = none lit)."""

    OFF = 0
    PRICE = 1  # 单价
    TOTAL = 2  # 总计
    COLLECT = 3  # 收款
    CHANGE = 4  # 找零


LIGHT_LABELS = {
    Light.PRICE: ("单价", "PRICE"),
    Light.TOTAL: ("总计", "TOTAL"),
    Light.COLLECT: ("收款", "COLLECT"),
    Light.CHANGE: ("找零", "CHANGE"),
}


def fen_digits(fen: int) -> str:
    """``12345`` → ``"123.45"``: yuan with two decimals from integer fen (no float), or the overflow dashes."""
    if isinstance(fen, bool) or not isinstance(fen, int) or not 0 <= fen <= MAX_FEN:
        return OVERFLOW_DIGITS
    return f"{fen // 100}.{fen % 100:02d}"


def digit_cells(text: str) -> int:
    """How many of the eight digit positions ``text`` takes (a decimal point rides on the digit before it)."""
    return len(text.replace(".", ""))


@dataclass(frozen=True, slots=True)
class Picture:
    """What the display shows: ``digits`` as sent in ESC Q A ("" = blank) and the lit indicator."""

    digits: str = ""
    light: Light = Light.OFF

    @classmethod
    def amount(cls, fen: int, light: Light) -> Picture:
        return cls(fen_digits(fen), light)

    @property
    def overflow(self) -> bool:
        return self.digits == OVERFLOW_DIGITS

    def fen(self) -> int | None:
        """The amount shown, read back as integer fen; None when it is not a yuan amount with two decimals."""
        whole, dot, cents = self.digits.partition(".")
        if not dot or len(cents) != 2 or not whole.isdigit() or not cents.isdigit():
            return None
        if digit_cells(self.digits) > DIGIT_CELLS:
            return None
        return int(whole) * 100 + int(cents)

    def cells(self) -> list[str]:
        """The eight positions left to right, each a character with "." appended when its point is lit.

        Right-aligned, as the displays do; a body over eight digits keeps its rightmost eight (what the
        hardware shows), which is exactly why the driver never sends one.
        """
        out: list[str] = []
        for char in self.digits:
            if char == "." and out and not out[-1].endswith("."):
                out[-1] += "."
            elif char == ".":
                out.append(" .")
            else:
                out.append(char)
        out = out[-DIGIT_CELLS:]
        return [" "] * (DIGIT_CELLS - len(out)) + out

    def render(self) -> str:
        """One line of text: the digits in brackets, then the lights (● lit, ○ dark)."""
        face = "".join(self.cells()).rjust(DIGIT_CELLS + 1)  # a lit point takes no cell of its own
        lights = " ".join(
            ("●" if self.light == light else "○") + zh + "/" + en for light, (zh, en) in LIGHT_LABELS.items()
        )
        return f"[{face}] {lights}"


def encode_light(light: Light) -> bytes:
    return ESC_LIGHT + str(int(light)).encode("ascii")


def encode_picture(picture: Picture) -> bytes:
    """The bytes that make the display show ``picture``, whatever it showed before (no ESC @: no flicker)."""
    if not picture.digits:
        return bytes([CLR]) + encode_light(picture.light)
    return encode_light(picture.light) + ESC_DIGITS + picture.digits.encode("ascii") + bytes([CR])


class DisplayParser:
    """Feeds on the bytes a display receives and keeps the picture they leave it showing.

    Stateful across reads (a command may arrive in pieces). Unknown bytes are counted in ``ignored`` and
    skipped, as a display does; a digits command cut off by another ESC or grown past any sane length counts
    in ``broken`` and changes nothing.
    """

    def __init__(self) -> None:
        self.picture = Picture()
        self.ignored = 0
        self.broken = 0
        self._pending = bytearray()  # an unfinished ESC command

    def feed(self, data: bytes) -> list[Picture]:
        """Consume ``data``; return the picture after each command that changed it, in order."""
        changes: list[Picture] = []
        for byte in data:
            before = self.picture
            self._byte(byte)
            if self.picture != before:
                changes.append(self.picture)
        return changes

    def _byte(self, byte: int) -> None:
        pending = self._pending
        if not pending:
            if byte == ESC:
                pending.append(byte)
            elif byte == CLR:
                self.picture = Picture("", self.picture.light)
            else:
                self.ignored += 1
            return
        if len(pending) >= len(ESC_DIGITS) and pending[:3] == ESC_DIGITS:
            self._digits_byte(byte)
            return
        if byte == ESC and len(pending) == 1:
            self.ignored += 1  # ESC ESC: the first one was noise
            return
        pending.append(byte)
        if bytes(pending) == ESC_INIT:
            self.picture = Picture()
            pending.clear()
        elif len(pending) == 3 and pending[:2] == ESC_LIGHT:
            # The common displays take ASCII '0'..'4'; some also take binary 0..4.
            n = byte - 0x30 if byte >= 0x30 else byte
            if 0 <= n <= 4:
                self.picture = Picture(self.picture.digits, Light(n))
            else:
                self.broken += 1
            pending.clear()
        elif not ESC_DIGITS.startswith(bytes(pending)) and not ESC_LIGHT.startswith(bytes(pending)):
            self.ignored += len(pending)
            pending.clear()

    def _digits_byte(self, byte: int) -> None:
        pending = self._pending
        if byte == CR:
            body = bytes(pending[3:]).decode("ascii")
            self.picture = Picture(body.strip(), self.picture.light)
            pending.clear()
        elif byte == ESC or byte not in _BODY_CHARS or len(pending) > _MAX_BODY:
            self.broken += 1
            pending.clear()
            if byte == ESC:
                pending.append(byte)
        else:
            pending.append(byte)
