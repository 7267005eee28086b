"""Dispenser bus master: asyncio driver for protocol v1.0 (``docs/protocols/dispenser.md``).

One request is in flight at a time (RS-485 is half duplex). A request is retried with the *same* sequence
number, so a dispenser that already acted on it answers from its reply cache instead of acting twice. The
port is reopened with backoff whenever it goes away. A poller walks every configured address and turns
what it sees into events for the station core; the driver never acknowledges a transaction itself: the
app acknowledges once it has recorded the sale.

Only ``BusError`` subclasses leave the public methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import random
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import serial_asyncio_fast

from station.devices.dispenser_protocol import (
    MAX_ADDRESS,
    MIN_ADDRESS,
    NAK_COMMAND,
    REPLY_FLAG,
    AlarmKind,
    AlarmTable,
    AuthorizeReply,
    AuthorizeRequest,
    Command,
    DeviceIdentity,
    DeviceKind,
    DispenserStatus,
    Frame,
    FrameDecoder,
    NakCode,
    NakReply,
    NozzleRef,
    NozzleState,
    PayloadError,
    Preset,
    PriceTable,
    Progress,
    ProtocolError,
    Totalizers,
    TotalizerTable,
    Transaction,
    TransactionNumber,
    UnackedList,
    UnloadRecord,
    UnloadState,
    UnloadStatus,
    encode_frame,
    expect_empty,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# ------------------------------------------------------------------------------------------- errors


class BusError(Exception):
    """Base of everything the driver raises."""


class LinkDownError(BusError):
    """The port is not open (unplugged, converter unreachable, or reconnecting)."""


class DeviceTimeout(BusError):
    """The device did not answer, the request and all its retries timed out."""

    def __init__(self, address: int, command: int) -> None:
        super().__init__(f"dispenser bus address {address}: no reply to command {command:#04x}")
        self.address = address
        self.command = command


class DeviceRejected(BusError):
    """The device answered with a NAK."""

    def __init__(self, address: int, command: int, code: NakCode) -> None:
        super().__init__(f"dispenser bus address {address}: command {command:#04x} rejected: {code.name}")
        self.address = address
        self.command = command
        self.code = code


class Preempted(DeviceTimeout):
    """An emergency stop took the bus before this request was answered: like a timeout, its outcome is unknown."""


class InvalidRequest(BusError, ValueError):
    """The caller asked for something the protocol cannot express (bad address, nozzle, preset)."""


class ProtocolMismatch(BusError):
    """The device answered with a CRC-valid frame whose payload does not fit v1.0."""


# ------------------------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class BusEvent:
    """Base of every event the driver emits."""


# Why a port could not be opened or went away, as the attendant is told it (catalogue ``err.link_<cause>``).
LINK_CAUSES = ("connecting", "missing", "permission", "refused", "not_serial", "timeout", "lost", "other")

_ERRNO_CAUSES = {
    errno.ENOENT: "missing",
    errno.ENODEV: "missing",
    errno.ENXIO: "missing",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EBUSY: "permission",
    errno.ECONNREFUSED: "refused",
    errno.ENOTTY: "not_serial",
    errno.EISDIR: "not_serial",
    errno.ETIMEDOUT: "timeout",
}


def link_cause(exc: BaseException) -> str:
    """Classify a failure to open the port. pyserial often keeps the errno only in its message."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    codes = [code for code in (getattr(exc, "errno", None),) if isinstance(code, int)]
    for groups in re.findall(r"\[Errno (-?\d+)\]|\((\d+), '", str(exc)):
        codes += [int(g) for g in groups if g]
    for code in codes:
        if code in _ERRNO_CAUSES:
            return _ERRNO_CAUSES[code]
    return "other"


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


# ------------------------------------------------------------------------------------------- driver


@dataclass
class BusStats:
    requests: int = 0
    retries: int = 0
    timeouts: int = 0
    naks: int = 0
    stale_replies: int = 0
    reconnects: int = 0


@dataclass
class _Device:
    address: int
    identity: DeviceIdentity | None = None
    online: bool = False
    misses: int = 0
    states: dict[int, NozzleState] = field(default_factory=dict)
    alarms: dict[int, AlarmKind] = field(default_factory=dict)
    progress: dict[int, Progress] = field(default_factory=dict)
    emitted: set[int] = field(default_factory=set)  # transaction/record numbers emitted in this run
    unloading: UnloadStatus | None = None


@dataclass
class _Pending:
    address: int
    sequence: int
    command: int
    future: asyncio.Future[Frame]
    urgent: bool = False


_ACTIVE = (NozzleState.AUTHORIZED, NozzleState.FILLING)


class _BusTurn:
    """Whose turn it is to speak on the half-duplex bus: first come, first served, except that an
    emergency stop goes before every request still waiting (never behind a poll cycle of eight dispensers)."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent_holder = False
        self._waiters: list[tuple[bool, asyncio.Future[None]]] = []

    @property
    def urgent_waiting(self) -> bool:
        return any(urgent and not fut.done() for urgent, fut in self._waiters)

    @property
    def held_by_urgent(self) -> bool:
        return self._busy and self._urgent_holder

    async def acquire(self, urgent: bool) -> None:
        if not self._busy and not self._waiters:
            self._busy, self._urgent_holder = True, urgent
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (urgent, fut)
        if urgent:  # behind other stops, ahead of everything else
            index = next((i for i, (u, _) in enumerate(self._waiters) if not u), len(self._waiters))
            self._waiters.insert(index, entry)
        else:
            self._waiters.append(entry)
        try:
            await fut
        except asyncio.CancelledError:
            if entry in self._waiters:
                self._waiters.remove(entry)
            elif fut.done() and not fut.cancelled():
                self.release()  # handed the turn while being cancelled: pass it on
            raise
        self._urgent_holder = urgent

    def release(self) -> None:
        while self._waiters:
            _, fut = self._waiters.pop(0)
            if not fut.done():
                fut.set_result(None)  # the turn passes straight to the next waiter: still busy
                return
        self._busy = self._urgent_holder = False


class DispenserBus:
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
    ) -> None:
        self.url = url
        self.addresses = tuple(addresses)
        for address in self.addresses:
            _check_address(address)
        self.baudrate = baudrate
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
        self.stats = BusStats()
        self._devices = {a: _Device(a) for a in self.addresses}
        self._streams: set[EventStream] = set()
        self._callbacks: list[EventCallback] = []
        self._decoder = FrameDecoder()
        self._turn = _BusTurn()
        self._connected = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._pending: _Pending | None = None
        self._sequence = random.randrange(256)  # a fresh start never collides with a cached reply
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False
        self._polling = True
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

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

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

    def nozzle_state(self, address: int, nozzle: int) -> NozzleState | None:
        device = self._devices.get(address)
        return device.states.get(nozzle) if device else None

    def identity(self, address: int) -> DeviceIdentity | None:
        device = self._devices.get(address)
        return device.identity if device else None

    # ------------------------------------------------------------------------------------- link

    async def _connection_loop(self) -> None:
        backoff = self.backoff_initial
        first = True
        while self._running:
            try:
                reader, writer = await asyncio.wait_for(
                    serial_asyncio_fast.open_serial_connection(url=self.url, baudrate=self.baudrate),
                    self.open_timeout,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # SerialException, OSError, TimeoutError: the port is not there (yet)
                log.debug("cannot open %s: %s", self.url, exc)
                self._open_failed(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                continue
            if not first:
                self.stats.reconnects += 1
            first = False
            self._writer = writer
            self._decoder.reset()
            self._down_cause = None
            self.link_detail = ""
            self._connected.set()
            self._emit(LinkUp(self.url))
            reason = "closed"
            try:
                while True:
                    data = await reader.read(1024)
                    if not data:
                        reason = "end of stream"
                        break
                    backoff = self.backoff_initial  # the line carries bytes: it is really back
                    for frame in self._decoder.feed(data):
                        self._dispatch(frame)
            except asyncio.CancelledError:
                self._link_lost("stopped")
                raise
            except Exception as exc:  # the port went away under us
                reason = str(exc) or type(exc).__name__
            self._link_lost(reason)
            await self._close_port()
            if self._running:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max)

    @property
    def link_cause(self) -> str | None:
        """None while the link is up; else why it is down (one of LINK_CAUSES)."""
        if self._connected.is_set():
            return None
        return self._down_cause or "connecting"

    def _open_failed(self, exc: BaseException) -> None:
        """Say once why the port cannot be opened (again when the reason changes), not at every retry."""
        cause = link_cause(exc)
        self.link_detail = str(exc) or type(exc).__name__
        if cause != self._down_cause:
            self._down_cause = cause
            self._emit(LinkDown(self.url, self.link_detail, cause))

    def _link_lost(self, reason: str) -> None:
        if not self._connected.is_set():
            return
        self._connected.clear()
        self._down_cause = "lost"
        self.link_detail = reason
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(LinkDownError(reason))
        self._emit(LinkDown(self.url, reason, "lost"))
        for device in self._devices.values():
            self._mark_offline(device)

    async def _close_port(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)

    def _dispatch(self, frame: Frame) -> None:
        pending = self._pending
        if (
            pending is None
            or pending.future.done()
            or frame.address != pending.address
            or frame.sequence != pending.sequence
            or not frame.is_reply
        ):
            self.stats.stale_replies += 1
            return
        if frame.command == NAK_COMMAND:
            try:
                nak = NakReply.decode(frame.payload)
            except ProtocolError:
                self.stats.stale_replies += 1
                return
            if nak.command != pending.command:
                self.stats.stale_replies += 1
                return
        elif frame.command != pending.command | REPLY_FLAG:
            self.stats.stale_replies += 1
            return
        pending.future.set_result(frame)

    def _next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFF
        return self._sequence

    async def _request(
        self,
        address: int,
        command: Command,
        payload: bytes = b"",
        *,
        retries: int | None = None,
        urgent: bool = False,
    ) -> Frame:
        """One exchange on the bus. ``urgent`` (STOP) goes before every waiting request and cuts short the
        one on the wire, which then fails with Preempted."""
        _check_address(address)
        attempts = 1 + (self.retries if retries is None else retries)
        if urgent:
            self._preempt_current()
        await self._turn.acquire(urgent)
        try:
            if not self._connected.is_set() or self._writer is None:
                raise LinkDownError(f"{self.url} is not connected")
            sequence = self._next_sequence()
            data = encode_frame(Frame(address, command, sequence, payload))
            self.stats.requests += 1
            loop = asyncio.get_running_loop()
            for attempt in range(attempts):
                if not urgent and self._turn.urgent_waiting:
                    raise Preempted(address, command)  # a stop is waiting: no further attempt goes out
                writer = self._writer
                if not self._connected.is_set() or writer is None:
                    raise LinkDownError(f"{self.url} is not connected")
                if attempt:
                    self.stats.retries += 1
                # leftovers of a late or broken reply must not stall the decoder for this one
                self._decoder.reset()
                future: asyncio.Future[Frame] = loop.create_future()
                self._pending = _Pending(address, sequence, command, future, urgent)
                try:
                    writer.write(data)
                except Exception as exc:
                    raise LinkDownError(f"write failed: {exc}") from exc
                try:
                    reply = await asyncio.wait_for(future, self.reply_timeout)
                except TimeoutError:
                    self.stats.timeouts += 1
                    continue
                finally:
                    self._pending = None
                if reply.command == NAK_COMMAND:
                    self.stats.naks += 1
                    raise DeviceRejected(address, command, NakReply.decode(reply.payload).code)
                return reply
            raise DeviceTimeout(address, command)
        finally:
            try:
                # the silent gap that ends the exchange before the next frame goes out
                await asyncio.sleep(self.inter_frame_gap)
            finally:
                self._turn.release()

    def _preempt_current(self) -> None:
        """A stop is coming: the request on the wire gets ``stop_grace`` for its reply, then gives up the bus."""
        pending = self._pending
        if pending is None or pending.urgent or pending.future.done():
            return

        def cut() -> None:
            if not pending.future.done():
                pending.future.set_exception(Preempted(pending.address, pending.command))

        asyncio.get_running_loop().call_later(self.stop_grace, cut)

    async def _call(self, address: int, command: Command, payload: bytes, parse: Callable[[bytes], _T]) -> _T:
        reply = await self._request(address, command, payload)
        try:
            return parse(reply.payload)
        except PayloadError as exc:
            raise ProtocolMismatch(f"address {address}, command {command.name}: {exc}") from exc

    # ------------------------------------------------------------------------------- commands

    async def identify(self, address: int) -> DeviceIdentity:
        return await self._call(address, Command.IDENTIFY, b"", DeviceIdentity.decode)

    async def read_status(self, address: int) -> DispenserStatus:
        return await self._call(address, Command.READ_STATUS, b"", DispenserStatus.decode)

    async def set_prices(self, address: int, prices: Mapping[int, int]) -> None:
        """Unit prices in fen per whole unit, by nozzle. Refused (BAD_STATE) while a listed nozzle fills."""
        table = PriceTable.of(prices)
        if any(p <= 0 for _, p in table.prices):
            raise InvalidRequest("unit prices must be above zero")
        await self._call(address, Command.SET_PRICES, _encode(table.encode), _empty("set prices"))

    async def read_prices(self, address: int) -> dict[int, int]:
        table = await self._call(address, Command.READ_PRICES, b"", PriceTable.decode)
        return table.as_dict()

    async def authorize(self, address: int, nozzle: int, preset: Preset, unit_price_fen: int) -> NozzleState:
        """Preset and authorize a lifted nozzle; the fill is priced at ``unit_price_fen`` per unit.

        Idempotent across retries (same sequence number). Raises DeviceRejected with NOT_LIFTED,
        UNACKED_PENDING (the nozzle's last fill is not acknowledged), ALARM_ACTIVE, BAD_STATE, BAD_VALUE.
        """
        request = AuthorizeRequest(nozzle, preset, unit_price_fen)
        reply = await self._call(address, Command.AUTHORIZE, _encode(request.encode), AuthorizeReply.decode)
        self._remember_state(address, nozzle, reply.state)
        return reply.state

    async def stop(self, address: int, nozzle: int = 0, *, retries: int | None = None) -> None:
        """Emergency stop of one nozzle (0: every nozzle of the dispenser). Always accepted.

        It goes before every request waiting for the bus and cuts short the one on the wire (``stop_grace``)."""
        payload = _encode(NozzleRef(nozzle).encode)
        reply = await self._request(address, Command.STOP, payload, retries=retries, urgent=True)
        _parse(NozzleRef.decode, reply.payload)

    async def read_progress(self, address: int, nozzle: int) -> Progress:
        return await self._call(address, Command.READ_PROGRESS, _encode(NozzleRef(nozzle).encode), Progress.decode)

    async def read_totalizers(self, address: int) -> dict[int, Totalizers]:
        table = await self._call(address, Command.READ_TOTALIZERS, b"", TotalizerTable.decode)
        return {t.nozzle: t for t in table.totalizers}

    async def read_unacknowledged(self, address: int) -> UnackedList:
        return await self._call(address, Command.READ_UNACKED, b"", UnackedList.decode)

    async def read_transaction(self, address: int, number: int) -> Transaction:
        payload = _encode(TransactionNumber(number).encode)
        return await self._call(address, Command.READ_TRANSACTION, payload, Transaction.decode)

    async def acknowledge(self, address: int, number: int) -> None:
        """Acknowledge a transaction (or an unloading record) after the app has recorded it. Idempotent."""
        payload = _encode(TransactionNumber(number).encode)
        await self._call(address, Command.ACK_TRANSACTION, payload, TransactionNumber.decode)

    async def read_alarms(self, address: int) -> dict[int, AlarmKind]:
        table = await self._call(address, Command.READ_ALARMS, b"", AlarmTable.decode)
        return dict(table.alarms)

    async def read_unloading_status(self, address: int) -> UnloadStatus:
        return await self._call(address, Command.UNLOAD_STATUS, b"", UnloadStatus.decode)

    async def start_unloading(self, address: int) -> int:
        reply = await self._call(address, Command.UNLOAD_START, b"", TransactionNumber.decode)
        return reply.number

    async def stop_unloading(self, address: int) -> int:
        reply = await self._call(address, Command.UNLOAD_STOP, b"", TransactionNumber.decode)
        return reply.number

    async def read_unload_record(self, address: int, number: int) -> UnloadRecord:
        payload = _encode(TransactionNumber(number).encode)
        return await self._call(address, Command.READ_UNLOAD_RECORD, payload, UnloadRecord.decode)

    # ---------------------------------------------------------------------------------- polling

    async def _poll_loop(self) -> None:
        while self._running:
            await self._connected.wait()
            for address in self.addresses:
                if not self._connected.is_set():
                    break
                try:
                    await self.poll_once(address)
                except LinkDownError:
                    break
                except BusError as exc:
                    log.debug("poll of %s failed: %s", address, exc)
                except asyncio.CancelledError:
                    raise
                except Exception:  # never let one bad poll end polling
                    log.exception("dispenser poll of address %s failed", address)
            await asyncio.sleep(self.poll_interval)

    async def poll_once(self, address: int) -> None:
        """Poll one address now and emit what changed (the poller calls this; tests may too)."""
        device = self._devices.setdefault(address, _Device(address))
        # an offline device gets one try per poll, so it does not hold the bus for the others
        retries = None if device.online else 0
        try:
            if device.identity is None:
                reply = await self._request(address, Command.IDENTIFY, retries=retries)
                device.identity = _parse(DeviceIdentity.decode, reply.payload)
            if device.identity.kind is DeviceKind.UNLOADING_POST:
                await self._poll_unloading(device, retries)
            else:
                await self._poll_dispenser(device, retries)
        except Preempted:
            raise  # an emergency stop had the bus: the device did not miss a poll
        except DeviceTimeout:
            device.misses += 1
            if device.misses >= self.offline_after or not device.online:
                self._mark_offline(device)
            raise

    def _mark_online(self, device: _Device) -> None:
        device.misses = 0
        if not device.online and device.identity is not None:
            device.online = True
            self._emit(DeviceOnline(device.address, device.identity))

    def _mark_offline(self, device: _Device) -> None:
        if not device.online:
            return
        device.online = False
        self._emit(DeviceOffline(device.address))
        for nozzle, state in sorted(device.states.items()):
            if state is not NozzleState.OFFLINE:
                device.states[nozzle] = NozzleState.OFFLINE
                self._emit(NozzleStateChanged(device.address, nozzle, state, NozzleState.OFFLINE))

    def _remember_state(self, address: int, nozzle: int, state: NozzleState) -> None:
        device = self._devices.get(address)
        if device is None:
            return
        old = device.states.get(nozzle)
        if old is not state:
            device.states[nozzle] = state
            self._emit(NozzleStateChanged(address, nozzle, old, state))

    def _alarm_changes(self, device: _Device, nozzle: int, alarms: AlarmKind) -> None:
        old = device.alarms.get(nozzle, AlarmKind.NONE)
        if old == alarms:
            return
        device.alarms[nozzle] = alarms
        for flag in (AlarmKind.LEAK, AlarmKind.OVER_PRESSURE, AlarmKind.FLOW, AlarmKind.METER_FAULT):
            if alarms & flag and not old & flag:
                self._emit(AlarmRaised(device.address, nozzle, flag))
            elif old & flag and not alarms & flag:
                self._emit(AlarmCleared(device.address, nozzle, flag))

    async def _poll_dispenser(self, device: _Device, retries: int | None) -> None:
        address = device.address
        reply = await self._request(address, Command.READ_STATUS, retries=retries)
        status = _parse(DispenserStatus.decode, reply.payload)
        self._mark_online(device)
        for ns in status.nozzles:
            self._alarm_changes(device, ns.nozzle, ns.alarms)
            old = device.states.get(ns.nozzle)
            if old is not ns.state:
                device.states[ns.nozzle] = ns.state
                self._emit(NozzleStateChanged(address, ns.nozzle, old, ns.state, ns.pressure))
            # progress while a fill runs, plus once more when it has just ended: the final figures
            if ns.state in _ACTIVE or (old in _ACTIVE and ns.state not in _ACTIVE):
                progress = await self.read_progress(address, ns.nozzle)
                if device.progress.get(ns.nozzle) != progress:
                    device.progress[ns.nozzle] = progress
                    self._emit(
                        FillProgress(
                            address,
                            ns.nozzle,
                            progress.quantity,
                            progress.amount,
                            progress.pressure,
                            progress.flow,
                            progress.unit_price,
                            progress.state,
                        )
                    )
        if status.unacked_count:
            unacked = await self.read_unacknowledged(address)
            for number in unacked.numbers:
                if number in device.emitted:
                    continue
                txn = await self.read_transaction(address, number)
                device.emitted.add(number)
                self._emit(TransactionCompleted(address, txn))

    async def _poll_unloading(self, device: _Device, retries: int | None) -> None:
        address = device.address
        reply = await self._request(address, Command.UNLOAD_STATUS, retries=retries)
        status = _parse(UnloadStatus.decode, reply.payload)
        self._mark_online(device)
        self._alarm_changes(device, 1, status.alarms)
        if device.unloading != status:
            device.unloading = status
            self._emit(
                UnloadingProgress(
                    address,
                    status.state,
                    status.record_number,
                    status.quantity,
                    status.totalizer,
                    status.flow,
                    status.pressure,
                    status.temperature,
                )
            )
        if status.unacked_count:
            unacked = await self.read_unacknowledged(address)
            for number in unacked.numbers:
                if number in device.emitted:
                    continue
                record = await self.read_unload_record(address, number)
                device.emitted.add(number)
                self._emit(UnloadingCompleted(address, record))


def _check_address(address: int) -> None:
    if not isinstance(address, int) or not MIN_ADDRESS <= address <= MAX_ADDRESS:
        raise InvalidRequest(f"bus address {address!r} outside {MIN_ADDRESS}..{MAX_ADDRESS}")


def _encode(encoder: Callable[[], bytes]) -> bytes:
    try:
        return encoder()
    except PayloadError as exc:
        raise InvalidRequest(str(exc)) from exc


def _parse(parse: Callable[[bytes], _T], payload: bytes) -> _T:
    try:
        return parse(payload)
    except PayloadError as exc:
        raise ProtocolMismatch(str(exc)) from exc


def _empty(what: str) -> Callable[[bytes], None]:
    def parse(payload: bytes) -> None:
        expect_empty(payload, what)

    return parse
