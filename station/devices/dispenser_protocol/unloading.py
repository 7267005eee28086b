"""The unloading post (tube trailer to station storage): its status and its unloading records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from station.devices.dispenser_protocol._payload import _alarms, _enum, _pack, _Reader
from station.devices.dispenser_protocol.codes import (
    AlarmKind,
    SaleUnit,
    StopReason,
    UnloadState,
)
from station.devices.dispenser_protocol.framing import PayloadError


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
