"""The simulated devices' state: nozzles and their fills, dispensers, the unloading post and its unloadings.

Plain data with the readings a device takes of itself (cylinder and trailer pressure, live totalizers); what
happens to it over time is in ``physics``, how it answers the bus in ``answers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from station.devices.dispenser_protocol import (
    KEEP_ACKED,
    AlarmKind,
    Frame,
    Preset,
    Progress,
    SaleUnit,
    Transaction,
    UnloadRecord,
)
from station.money import amount_for


class SimulatorError(Exception):
    """A control command or API call the simulator cannot carry out (unknown dispenser, bad value)."""


@dataclass
class Fill:
    preset: Preset
    unit_price: int
    start_time: int
    pressure_before: int
    totalizer_before: int
    authorized_at: float
    target: int | None  # centi-units, None for fill-up
    flowing: bool = False
    dispensed_kg: float = 0.0
    quantity: int = 0
    leak_at: int | None = None  # inject a leak when the quantity reaches this


@dataclass
class Nozzle:
    number: int
    price: int = 450
    lifted: bool = False
    alarms: AlarmKind = AlarmKind.NONE
    totalizer_quantity: int = 0
    totalizer_amount: int = 0
    cylinder_kg: float = 0.0  # gas in the connected cylinder
    capacity_kg: float = 15.0  # gas at the cut-off pressure
    fill: Fill | None = None
    flow: int = 0  # 0.01 unit/min, last computed
    last: Progress | None = None  # the last fill, for READ_PROGRESS after it ended

    def pressure(self, cutoff: int) -> int:
        """The cylinder's pressure in 0.01 MPa; 0 on the hook (no cylinder connected)."""
        if not self.lifted and self.fill is None:
            return 0
        return round(cutoff * self.cylinder_kg / self.capacity_kg)

    def live_totalizer(self) -> tuple[int, int]:
        """Quantity and amount totalizers including the fill running now."""
        if self.fill is None:
            return self.totalizer_quantity, self.totalizer_amount
        return (
            self.totalizer_quantity + self.fill.quantity,
            self.totalizer_amount + amount_for(self.fill.unit_price, self.fill.quantity),
        )


@dataclass
class CachedReply:
    sequence: int
    command: int
    payload: bytes
    reply: Frame
    at: float


@dataclass
class SimDispenser:
    address: int
    nozzles: dict[int, Nozzle]
    unit: SaleUnit = SaleUnit.KG
    counter: int = 0
    transactions: dict[int, Transaction] = field(default_factory=dict)
    cache: CachedReply | None = None

    def unacked(self) -> list[int]:
        return sorted(n for n, t in self.transactions.items() if not t.acknowledged)

    def pending_for(self, nozzle: int) -> Transaction | None:
        pending = [t for t in self.transactions.values() if t.nozzle == nozzle and not t.acknowledged]
        return max(pending, key=lambda t: t.number) if pending else None

    def trim(self) -> None:
        """Forget all but the newest ``KEEP_ACKED`` acknowledged transactions."""
        acked = sorted(n for n, t in self.transactions.items() if t.acknowledged)
        for n in acked[:-KEEP_ACKED] if len(acked) > KEEP_ACKED else []:
            del self.transactions[n]


@dataclass
class Unloading:
    number: int
    start_time: int
    totalizer_before: int
    pressure_before: int
    temperature_before: int
    unloaded_kg: float = 0.0
    quantity: int = 0


@dataclass
class SimUnloadingPost:
    address: int
    unit: SaleUnit = SaleUnit.KG
    totalizer: int = 0
    counter: int = 0
    records: dict[int, UnloadRecord] = field(default_factory=dict)
    alarms: AlarmKind = AlarmKind.NONE
    trailer_kg: float = 0.0
    trailer_capacity_kg: float = 3000.0
    current: Unloading | None = None
    last_quantity: int = 0
    flow: int = 0
    cache: CachedReply | None = None

    def unacked(self) -> list[int]:
        return sorted(n for n, r in self.records.items() if not r.acknowledged)

    def trim(self) -> None:
        """Forget all but the newest ``KEEP_ACKED`` acknowledged unload records."""
        acked = sorted(n for n, r in self.records.items() if r.acknowledged)
        for n in acked[:-KEEP_ACKED] if len(acked) > KEEP_ACKED else []:
            del self.records[n]

    def trailer_pressure(self, cutoff: int) -> int:
        return round(cutoff * self.trailer_kg / self.trailer_capacity_kg)

    def trailer_temperature(self, cutoff: int) -> int:
        # expanding gas cools: about 0.5 °C per MPa of pressure drop below the cut-off, from 15.0 °C
        return round(150 - (cutoff - self.trailer_pressure(cutoff)) * 0.05)
