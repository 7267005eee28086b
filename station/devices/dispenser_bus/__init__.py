"""Dispenser bus master: asyncio driver for protocol v1.0 (``docs/protocols/dispenser.md``).

One request is in flight at a time (RS-485 is half duplex). A request is retried with the *same* sequence
number, so a dispenser that already acted on it answers from its reply cache instead of acting twice. The
port is reopened with backoff whenever it goes away. A poller polls by need (busy devices every cycle, idle
ones in turn, §5.1) and turns what it sees into events for the station core; the driver never acknowledges a
transaction itself: the app acknowledges once it has recorded the sale.

Only ``BusError`` subclasses leave the public methods.

This namespace is the driver's public face: it re-exports what callers use, so they import from
``station.devices.dispenser_bus`` without knowing the rooms:

- ``bus``: ``DispenserBus``, assembled from the parts below (lifecycle, subscribers, what it knows)
- ``link``: the port, opened with backoff; why it is down (``LINK_CAUSES``, ``link_cause``)
- ``exchange``: whose turn it is on the bus (an emergency stop first), one request with its retries
- ``requests``: the typed requests, one method per protocol command
- ``poll``: the poll loop and the events it emits
- ``events``: the events and a subscriber's ``EventStream``
- ``errors``: ``BusError`` and its kinds
- ``base``: the settings and state every part shares (``BusStats``)
"""

from __future__ import annotations

from station.devices.dispenser_bus.base import BusStats
from station.devices.dispenser_bus.bus import DispenserBus
from station.devices.dispenser_bus.errors import (
    BusError,
    DeviceRefusedError,
    DeviceRejected,
    DeviceTimeout,
    InvalidRequest,
    LinkDownError,
    Preempted,
    ProtocolMismatch,
)
from station.devices.dispenser_bus.events import (
    AlarmCleared,
    AlarmRaised,
    BusEvent,
    DeviceOffline,
    DeviceOnline,
    DeviceRefused,
    EventCallback,
    EventStream,
    FillProgress,
    LinkDown,
    LinkUp,
    NozzleStateChanged,
    StopDelivered,
    TransactionCompleted,
    UnloadingCompleted,
    UnloadingProgress,
)
from station.devices.dispenser_bus.link import LINK_CAUSES, link_cause

__all__ = [
    "LINK_CAUSES",
    "AlarmCleared",
    "AlarmRaised",
    "BusError",
    "BusEvent",
    "BusStats",
    "DeviceOffline",
    "DeviceOnline",
    "DeviceRefused",
    "DeviceRefusedError",
    "DeviceRejected",
    "DeviceTimeout",
    "DispenserBus",
    "EventCallback",
    "EventStream",
    "FillProgress",
    "InvalidRequest",
    "LinkDown",
    "LinkDownError",
    "LinkUp",
    "NozzleStateChanged",
    "Preempted",
    "ProtocolMismatch",
    "StopDelivered",
    "TransactionCompleted",
    "UnloadingCompleted",
    "UnloadingProgress",
    "link_cause",
]
