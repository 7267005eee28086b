"""The events the bus master emits for the station core, and one subscriber's queue of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from station.devices.dispenser_protocol import (
    AlarmKind,
    DeviceIdentity,
    NozzleState,
    Transaction,
    UnloadRecord,
    UnloadState,
)

if TYPE_CHECKING:
    from station.devices.dispenser_bus.bus import DispenserBus


@dataclass(frozen=True, slots=True)
class BusEvent:
    """Base of every event the driver emits."""


@dataclass(frozen=True, slots=True)
class LinkUp(BusEvent):
    url: str


@dataclass(frozen=True, slots=True)
class LinkDown(BusEvent):
    url: str
    reason: str
    cause: str = "other"  # one of LINK_CAUSES: what the attendant is told is wrong with the port


@dataclass(frozen=True, slots=True)
class DeviceOnline(BusEvent):
    address: int
    identity: DeviceIdentity


@dataclass(frozen=True, slots=True)
class DeviceOffline(BusEvent):
    address: int


@dataclass(frozen=True, slots=True)
class StopDelivered(BusEvent):
    """A STOP the link had cut off reached the device once the link was back (§2.1); ``nozzle`` as ordered."""

    address: int
    nozzle: int


@dataclass(frozen=True, slots=True)
class DeviceRefused(BusEvent):
    """The master will not drive this device (§9.1): it speaks another protocol major version."""

    address: int
    identity: DeviceIdentity
    reason: str


@dataclass(frozen=True, slots=True)
class NozzleStateChanged(BusEvent):
    address: int
    nozzle: int
    old: NozzleState | None  # None: first sight of this nozzle in this run
    new: NozzleState
    pressure: int = 0  # 0.01 MPa at the nozzle when seen


@dataclass(frozen=True, slots=True)
class FillProgress(BusEvent):
    address: int
    nozzle: int
    quantity: int  # 0.01 unit
    amount: int  # fen, the dispenser's
    pressure: int  # 0.01 MPa
    flow: int  # 0.01 unit/min
    unit_price: int = 0
    state: NozzleState = NozzleState.FILLING


@dataclass(frozen=True, slots=True)
class TransactionCompleted(BusEvent):
    address: int
    transaction: Transaction


@dataclass(frozen=True, slots=True)
class AlarmRaised(BusEvent):
    address: int
    nozzle: int
    kind: AlarmKind  # exactly one flag


@dataclass(frozen=True, slots=True)
class AlarmCleared(BusEvent):
    address: int
    nozzle: int
    kind: AlarmKind


@dataclass(frozen=True, slots=True)
class UnloadingProgress(BusEvent):
    address: int
    state: UnloadState
    record_number: int
    quantity: int
    totalizer: int
    flow: int
    pressure: int
    temperature: int  # 0.1 °C


@dataclass(frozen=True, slots=True)
class UnloadingCompleted(BusEvent):
    address: int
    record: UnloadRecord


EventCallback = Callable[[BusEvent], Any]


class EventStream:
    """One subscriber's queue of events; iterate with ``async for`` or ``await get()``."""

    def __init__(self, bus: DispenserBus) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[BusEvent] = asyncio.Queue()

    def __aiter__(self) -> AsyncIterator[BusEvent]:
        return self

    async def __anext__(self) -> BusEvent:
        return await self.queue.get()

    async def get(self) -> BusEvent:
        return await self.queue.get()

    def get_nowait(self) -> BusEvent | None:
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def close(self) -> None:
        self._bus._streams.discard(self)
