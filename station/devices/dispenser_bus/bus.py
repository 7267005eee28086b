"""DispenserBus: the bus master, assembled from its parts (link, exchange, requests, poller)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable

from station.devices.dispenser_bus.base import BusStats, Device, Pending
from station.devices.dispenser_bus.events import (
    BusEvent,
    EventCallback,
    EventStream,
)
from station.devices.dispenser_bus.exchange import BusTurn, check_address
from station.devices.dispenser_bus.link import Link
from station.devices.dispenser_bus.poll import Poller
from station.devices.dispenser_protocol import (
    DeviceIdentity,
    FrameDecoder,
    NozzleState,
)

log = logging.getLogger(__name__)


class DispenserBus(Poller, Link):
    """Bus master for dispensers and unloading posts on one port (a pyserial URL)."""

    def __init__(
        self,
        url: str,
        addresses: Iterable[int],
        *,
        baudrate: int = 9600,
        reply_timeout: float = 0.2,
        retries: int = 3,
        poll_interval: float = 0.25,
        offline_after: int = 2,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        inter_frame_gap: float = 0.005,
        open_timeout: float = 3.0,
        stop_grace: float = 0.05,
        tcp_silence: float = 10.0,
    ) -> None:
        self.url = url
        self.addresses = tuple(addresses)
        for address in self.addresses:
            check_address(address)
        self.baudrate = baudrate
        # how long a reply may take to start (§5: the device's 100 ms hard maximum plus the link's latency);
        # each request waits this plus its own and its longest reply's time on the wire
        self.reply_timeout = reply_timeout
        self.retries = retries
        self.poll_interval = poll_interval
        self.offline_after = offline_after
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.inter_frame_gap = inter_frame_gap
        self.open_timeout = open_timeout
        # How long an emergency stop lets a request already on the wire finish before it takes the bus:
        # long enough for a reply that is under way (no collision on the pair), far shorter than a timeout.
        self.stop_grace = stop_grace
        self.tcp_silence = tcp_silence
        self._last_answer = 0.0
        self.stats = BusStats()
        self._devices = {a: Device(a) for a in self.addresses}
        self._streams: set[EventStream] = set()
        self._callbacks: list[EventCallback] = []
        self._decoder = FrameDecoder()
        self._turn = BusTurn()
        self._connected = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._pending: Pending | None = None
        self._sequence = random.randrange(256)  # a fresh start never collides with a cached reply
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False
        self._polling = True
        self._next_idle = 0
        self._stops_owed = {}
        self._down_cause: str | None = None  # the cause last reported in a LinkDown, None while up
        self.link_detail = ""  # the last failure, as the operating system said it

    # --------------------------------------------------------------------------------- lifecycle

    async def start(self, *, poll: bool = True) -> None:
        if self._running:
            return
        self._running = True
        self._polling = poll
        self._tasks.append(asyncio.create_task(self._connection_loop(), name=f"dispenser-bus {self.url}"))
        if poll:
            self._tasks.append(asyncio.create_task(self._poll_loop(), name=f"dispenser-poll {self.url}"))

    async def close(self) -> None:
        """Stop polling and close the port (``stop`` is the dispenser command)."""
        self._running = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self._close_port()

    async def __aenter__(self) -> DispenserBus:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------------------------ events

    def events(self) -> EventStream:
        """A new subscriber queue; it receives every event emitted from now on."""
        stream = EventStream(self)
        self._streams.add(stream)
        return stream

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns the function that unsubscribes."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)

        return unsubscribe

    def _emit(self, event: BusEvent) -> None:
        for stream in list(self._streams):
            stream.queue.put_nowait(event)
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not stop the bus
                log.exception("dispenser bus event callback failed")

    def reread_unacknowledged(self, address: int | None = None) -> None:
        """Forget which transactions were emitted, so the next poll emits every unacknowledged one again."""
        for device in self._devices.values():
            if address is None or device.address == address:
                device.emitted.clear()

    @property
    def stops_owed(self) -> list[tuple[int, int]]:
        """(address, nozzle) of the STOPs the link cut off, repeated when it is back until they are answered."""
        return list(self._stops_owed)

    def nozzle_state(self, address: int, nozzle: int) -> NozzleState | None:
        device = self._devices.get(address)
        return device.states.get(nozzle) if device else None

    def identity(self, address: int) -> DeviceIdentity | None:
        device = self._devices.get(address)
        return device.identity if device else None
