"""Authorizing a fill: the preset (amount, quantity or fill-up), the AUTHORIZE request and its reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from station.devices.dispenser_protocol._payload import _enum, _nozzle, _pack, _Reader
from station.devices.dispenser_protocol.codes import (
    NozzleState,
    PresetKind,
)
from station.devices.dispenser_protocol.framing import PayloadError
from station.devices.dispenser_protocol.limits import (
    MAX_PRESET_AMOUNT,
    MAX_PRESET_QUANTITY,
    MAX_UNIT_PRICE,
    valid_price,
)


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
            top = MAX_PRESET_AMOUNT if self.kind is PresetKind.AMOUNT else MAX_PRESET_QUANTITY
            if not 0 < self.value <= top:
                raise PayloadError(f"preset {self.kind.name} {self.value} outside 1..{top}")
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
        if not valid_price(self.unit_price):
            raise PayloadError(f"unit price {self.unit_price} outside 1..{MAX_UNIT_PRICE}")
        return _pack("<BBII", _nozzle(self.nozzle, "authorize"), self.preset.kind, self.preset.value, self.unit_price)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload, "authorize")
        nozzle, kind, value, price = r.take("<BBII")
        r.end()
        return cls(_nozzle(nozzle, "authorize"), Preset(_enum(PresetKind, kind, "authorize"), value), price)


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
