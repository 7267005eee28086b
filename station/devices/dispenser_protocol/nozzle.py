"""What a dispenser says about its nozzles: identity, status, alarms, and the progress of the running fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Self

from station.devices.dispenser_protocol._payload import _alarms, _count, _enum, _nozzle, _pack, _Reader
from station.devices.dispenser_protocol.authorize import Preset
from station.devices.dispenser_protocol.codes import (
    AlarmKind,
    DeviceKind,
    NozzleState,
    PresetKind,
    SaleUnit,
)
from station.devices.dispenser_protocol.framing import PayloadError


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    kind: DeviceKind
    protocol_major: int
    protocol_minor: int
    nozzle_count: int
    sale_unit: SaleUnit

    def encode(self) -> bytes:
        count = _nozzle(self.nozzle_count, "identity nozzle count")
        return _pack("<BBBBB", self.kind, self.protocol_major, self.protocol_minor, count, self.sale_unit)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "identity")
        kind, major, minor, count, unit = r.take("<BBBBB")
        r.end()
        # 1..MAX_NOZZLES: a device claiming more is refused (its tables would not fit v1.1's limits)
        count = _nozzle(count, "identity nozzle count")
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
        out = _pack("<HIB", self.unacked_count, self.last_transaction_number, _count(len(self.nozzles), "status"))
        for n in self.nozzles:
            out += _pack(NozzleStatus.FORMAT, _nozzle(n.nozzle, "status"), n.state, n.alarms, n.pressure)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "status")
        unacked, last, count = r.take("<HIB")
        _count(count, "status")
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
class NozzleRef:
    """A request or reply that names one nozzle (STOP, READ_PROGRESS; 0 means all nozzles for STOP).

    Any u8 goes through the codec: a STOP naming no nozzle of the device still stops them all (§6.2)."""

    nozzle: int

    def encode(self) -> bytes:
        return _pack("<B", self.nozzle)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "nozzle")
        nozzle = r.one("<B")
        r.end()
        return cls(nozzle)


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
class AlarmTable:
    alarms: tuple[tuple[int, AlarmKind], ...]  # (nozzle, active alarm bits)

    def encode(self) -> bytes:
        out = _pack("<B", _count(len(self.alarms), "alarms"))
        for nozzle, bits in self.alarms:
            out += _pack("<BB", _nozzle(nozzle, "alarms"), bits)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "alarms")
        count = _count(r.one("<B"), "alarms")
        items = []
        for _ in range(count):
            nozzle, bits = r.take("<BB")
            items.append((_nozzle(nozzle, "alarms"), _alarms(bits)))
        r.end()
        return cls(tuple(items))
