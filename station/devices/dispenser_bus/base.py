"""What the parts of the bus master share: its settings and state, declared once for every part."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from station.devices.dispenser_bus.events import BusEvent, EventCallback, EventStream
from station.devices.dispenser_protocol import (
    AlarmKind,
    DeviceIdentity,
    Frame,
    FrameDecoder,
    NozzleState,
    Progress,
    UnloadStatus,
)

if TYPE_CHECKING:
    from station.devices.dispenser_bus.exchange import BusTurn


@dataclass
class BusStats:
    requests: int = 0
    retries: int = 0
    timeouts: int = 0
    naks: int = 0
    stale_replies: int = 0
    reconnects: int = 0


@dataclass
class Device:
    address: int
    identity: DeviceIdentity | None = None
    online: bool = False
    misses: int = 0
    states: dict[int, NozzleState] = field(default_factory=dict)
    alarms: dict[int, AlarmKind] = field(default_factory=dict)
    progress: dict[int, Progress] = field(default_factory=dict)
    emitted: set[int] = field(default_factory=set)  # transaction/record numbers emitted in this run
    unloading: UnloadStatus | None = None
    refused: str | None = None  # why the master will not drive it (§9.1); None: not refused


@dataclass
class Pending:
    address: int
    sequence: int
    command: int
    future: asyncio.Future[Frame]
    urgent: bool = False


class BusParts:
    """The attributes ``DispenserBus.__init__`` sets, for the parts (link, exchange, requests, poller) to use."""

    url: str
    addresses: tuple[int, ...]
    baudrate: int
    reply_timeout: float
    retries: int
    poll_interval: float
    offline_after: int
    backoff_initial: float
    backoff_max: float
    inter_frame_gap: float
    open_timeout: float
    stop_grace: float
    tcp_silence: float
    stats: BusStats
    link_detail: str
    _devices: dict[int, Device]
    _streams: set[EventStream]
    _callbacks: list[EventCallback]
    _decoder: FrameDecoder
    _turn: BusTurn
    _connected: asyncio.Event
    _writer: asyncio.StreamWriter | None
    _pending: Pending | None
    _sequence: int
    _tasks: list[asyncio.Task[None]]
    _running: bool
    _polling: bool
    _stops_owed: dict[tuple[int, int], None]  # (address, nozzle) STOPs cut off by the link, in order (§2.1)
    _next_idle: int  # index in ``addresses`` of the idle device polled first in the next cycle
    _down_cause: str | None
    _last_answer: float  # loop time of the last reply from any device (TCP half-open detection)

    if TYPE_CHECKING:  # defined by DispenserBus and the poller; declared here for the parts that call them

        def _emit(self, event: BusEvent) -> None: ...

        def _mark_offline(self, device: Device) -> None: ...

        def _remember_state(self, address: int, nozzle: int, state: NozzleState) -> None: ...

        async def _repeat_owed_stops(self) -> None: ...
