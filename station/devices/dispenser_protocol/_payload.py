"""Payload helpers shared by the payload modules: a cursor that turns every short read into a PayloadError,
checked enum/flag/nozzle conversions, and a struct.pack that reports out-of-range values the same way."""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import TypeVar

from station.devices.dispenser_protocol.codes import ALL_ALARMS, AlarmKind
from station.devices.dispenser_protocol.framing import PayloadError, PayloadLengthError
from station.devices.dispenser_protocol.limits import MAX_NOZZLES

_E = TypeVar("_E", bound=IntEnum)


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
    if not (0 if allow_zero else 1) <= value <= MAX_NOZZLES:
        raise PayloadError(f"{what}: nozzle {value} out of range 1..{MAX_NOZZLES}")
    return value


def _count(value: int, what: str) -> int:
    """A per-nozzle table holds at most MAX_NOZZLES entries (v1.1)."""
    if value > MAX_NOZZLES:
        raise PayloadError(f"{what}: {value} entries, at most {MAX_NOZZLES}")
    return value
