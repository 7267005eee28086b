"""The NAK reply: which command was refused and why, and the frame that carries it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from station.devices.dispenser_protocol._payload import _enum, _pack, _Reader
from station.devices.dispenser_protocol.codes import (
    NakCode,
)
from station.devices.dispenser_protocol.framing import NAK_COMMAND, Frame


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


def nak_frame(request: Frame, code: NakCode) -> Frame:
    return Frame(request.address, NAK_COMMAND, request.sequence, NakReply(request.command, code).encode())
