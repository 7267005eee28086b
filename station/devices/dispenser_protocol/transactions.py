"""Sales records and the counters behind them: prices, totalizers, the unacknowledged list, transactions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Self

from station.devices.dispenser_protocol._payload import _count, _enum, _nozzle, _pack, _Reader
from station.devices.dispenser_protocol.authorize import Preset
from station.devices.dispenser_protocol.codes import (
    PresetKind,
    SaleUnit,
    StopReason,
)
from station.devices.dispenser_protocol.framing import MAX_UNACKED_LISTED, PayloadError


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
        out = _pack("<B", _count(len(self.prices), "prices"))
        for nozzle, price in self.prices:
            out += _pack("<BI", _nozzle(nozzle, "prices"), price)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "prices")
        count = _count(r.one("<B"), "prices")
        prices = []
        for _ in range(count):
            nozzle, price = r.take("<BI")
            prices.append((_nozzle(nozzle, "prices"), price))
        r.end()
        return cls(tuple(prices))


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
        out = _pack("<B", _count(len(self.totalizers), "totalizers"))
        for t in self.totalizers:
            out += _pack("<BQQ", _nozzle(t.nozzle, "totalizers"), t.quantity, t.amount)
        return out

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "totalizers")
        count = _count(r.one("<B"), "totalizers")
        items = []
        for _ in range(count):
            nozzle, qty, amount = r.take("<BQQ")
            items.append(Totalizers(_nozzle(nozzle, "totalizers"), qty, amount))
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
