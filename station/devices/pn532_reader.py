"""asyncio driver for an NXP PN532 card reader on a UART (HSU) link.

Start-up: HSU wake-up + SAMConfiguration (normal mode), RFConfiguration (bounded retries so a poll with no card
answers at once), GetFirmwareVersion; then InListPassiveTarget (one 106 kbps type A target) every
``poll_interval``. State changes come out as events on :attr:`PN532Reader.event_queue` (also iterable with
:meth:`PN532Reader.events`):

* :class:`ReaderUp` (firmware) when the chip answers, :class:`ReaderDown` (reason) when the port or the chip is
  lost; the driver then reconnects every ``reconnect_interval`` until the port comes back.
* :class:`CardPresented` (uid_hex) once per card put on the reader, however long it is held;
  :class:`CardRemoved` (uid_hex) after ``removal_misses`` consecutive empty polls, when another card replaces
  it, or when the reader goes down with it.

Only :class:`ReaderError` subclasses leave this module.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import serial
import serial_asyncio_fast

from station.devices.pn532_protocol import (
    ACK_FRAME,
    CMD_GET_FIRMWARE_VERSION,
    CMD_IN_LIST_PASSIVE_TARGET,
    CMD_RF_CONFIGURATION,
    CMD_SAM_CONFIGURATION,
    NACK_FRAME,
    WAKEUP_SEQUENCE,
    Ack,
    Corrupt,
    Decoded,
    ErrorFrame,
    FirmwareVersion,
    Frame,
    FrameDecoder,
    Nack,
    PassiveTarget,
    ResponseError,
    expect_response,
    get_firmware_version,
    in_list_passive_target,
    parse_firmware_version,
    parse_in_list_passive_target,
    rf_configuration_max_retries,
    sam_configuration,
)

T = TypeVar("T")


class ReaderError(Exception):
    """Anything that went wrong talking to the card reader."""


class ReaderUnavailable(ReaderError):
    """The port cannot be opened, was lost, or the reader is down."""


class ReaderTimeout(ReaderError):
    """The PN532 did not answer in time."""


class ReaderProtocolError(ReaderError):
    """The PN532 answered with something that is not the expected response."""


@dataclass(frozen=True, slots=True)
class CardPresented:
    uid_hex: str


@dataclass(frozen=True, slots=True)
class CardRemoved:
    uid_hex: str


@dataclass(frozen=True, slots=True)
class ReaderUp:
    firmware: FirmwareVersion


@dataclass(frozen=True, slots=True)
class ReaderDown:
    reason: str


ReaderEvent = CardPresented | CardRemoved | ReaderUp | ReaderDown

# A corrupt reply is NACKed (the PN532 resends) this many times before the command is retried from scratch.
_MAX_NACKS = 3


class _Link:
    """One open port: writes frames, reads decoded items, one exchange at a time (the caller holds a lock)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = FrameDecoder()
        self._items: deque[Decoded] = deque()
        self.corrupt_frames = 0

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)

    async def _write(self, data: bytes) -> None:
        try:
            if self._writer.is_closing():
                raise ReaderUnavailable("the port is closed")
            self._writer.write(data)
            await self._writer.drain()
        except (OSError, ConnectionError, serial.SerialException) as exc:
            raise ReaderUnavailable(f"write failed: {exc}") from exc

    async def _next_item(self, deadline: float) -> Decoded:
        loop = asyncio.get_running_loop()
        while not self._items:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ReaderTimeout("no answer from the PN532")
            try:
                data = await asyncio.wait_for(self._reader.read(512), remaining)
            except TimeoutError as exc:
                raise ReaderTimeout("no answer from the PN532") from exc
            except (OSError, ConnectionError, serial.SerialException) as exc:
                raise ReaderUnavailable(f"read failed: {exc}") from exc
            if not data:
                raise ReaderUnavailable("the port was closed")
            self._items.extend(self._decoder.feed(data))
        return self._items.popleft()

    async def abort(self) -> None:
        """Forget half-read bytes and tell the PN532 to drop the command in progress (an ACK does that)."""
        self._decoder.reset()
        self._items.clear()
        await self._write(ACK_FRAME)

    async def exchange(self, command: int, frame: bytes, timeout: float, prefix: bytes = b"") -> bytes:
        """Send one command frame; return the parameters of its response."""
        self._items.clear()
        await self._write(prefix + frame)
        deadline = asyncio.get_running_loop().time() + timeout
        nacks = 0
        while True:
            item = await self._next_item(deadline)
            if isinstance(item, Ack):
                continue
            if isinstance(item, Nack):
                # The PN532 did not get our frame intact: send it again.
                await self._write(frame)
                continue
            if isinstance(item, ErrorFrame):
                raise ReaderProtocolError(f"the PN532 rejected command {command:#04x} (error frame)")
            if isinstance(item, Corrupt):
                self.corrupt_frames += 1
                if nacks >= _MAX_NACKS:
                    raise ReaderProtocolError(f"corrupt answers to command {command:#04x}: {item.error}")
                nacks += 1
                await self._write(NACK_FRAME)
                continue
            assert isinstance(item, Frame)
            try:
                return expect_response(item, command)
            except ResponseError:
                continue  # a late answer to an earlier, abandoned command


class PN532Reader:
    """The card reader at ``url`` (``/dev/ttyUSB0``, ``/dev/pts/N``, ``socket://host:port``)."""

    def __init__(
        self,
        url: str,
        poll_interval: float = 0.2,
        *,
        response_timeout: float = 1.0,
        reconnect_interval: float = 1.0,
        removal_misses: int = 2,
        retries: int = 2,
        baudrate: int = 115200,
    ) -> None:
        if removal_misses < 1:
            raise ValueError("removal_misses must be at least 1")
        self.url = url
        self.poll_interval = poll_interval
        self.response_timeout = response_timeout
        self.reconnect_interval = reconnect_interval
        self.removal_misses = removal_misses
        self.retries = retries
        self.baudrate = baudrate
        self.event_queue: asyncio.Queue[ReaderEvent] = asyncio.Queue()
        self.firmware: FirmwareVersion | None = None
        self.present_uid: str | None = None
        self._link: _Link | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._up: bool | None = None  # None until the first connect attempt settles
        self._misses = 0

    @property
    def is_up(self) -> bool:
        return bool(self._up)

    # --- public API ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"pn532 {self.url}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        link, self._link = self._link, None
        if link is not None:
            await link.close()
        self._up = None

    async def events(self) -> AsyncIterator[ReaderEvent]:
        while True:
            yield await self.event_queue.get()

    async def firmware_version(self) -> FirmwareVersion:
        async def ask(link: _Link) -> FirmwareVersion:
            return await self._get_firmware(link)

        return await self._with_link(ask)

    async def read_uid_once(self, timeout: float) -> str | None:
        """The UID (upper-case hex) of a card on the reader within ``timeout`` seconds, or None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            targets = await self._with_link(self._poll)
            if targets:
                return targets[0].uid_hex
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(self.poll_interval, remaining))

    # --- internals -----------------------------------------------------------------------------------------

    async def _with_link(self, action: Callable[[_Link], Awaitable[T]]) -> T:
        async with self._lock:
            if self._link is not None:
                return await action(self._link)
            if self._task is not None:
                raise ReaderUnavailable("the card reader is down")
            # Not started: a one-off session on a temporary connection.
            link = await self._connect()
            try:
                await self._initialise(link)
                return await action(link)
            finally:
                await link.close()

    async def _connect(self) -> _Link:
        try:
            reader, writer = await asyncio.wait_for(
                serial_asyncio_fast.open_serial_connection(url=self.url, baudrate=self.baudrate),
                self.response_timeout * 5,
            )
        except (OSError, serial.SerialException, ValueError, TimeoutError) as exc:
            raise ReaderUnavailable(f"cannot open {self.url}: {exc}") from exc
        return _Link(reader, writer)

    async def _command(self, link: _Link, command: int, frame: bytes, prefix: bytes = b"") -> bytes:
        last: ReaderError | None = None
        for _ in range(self.retries + 1):
            try:
                return await link.exchange(command, frame, self.response_timeout, prefix)
            except (ReaderTimeout, ReaderProtocolError) as exc:
                last = exc
                await link.abort()
        assert last is not None
        raise last

    async def _get_firmware(self, link: _Link) -> FirmwareVersion:
        params = await self._command(link, CMD_GET_FIRMWARE_VERSION, get_firmware_version())
        try:
            return parse_firmware_version(params)
        except ResponseError as exc:
            raise ReaderProtocolError(str(exc)) from exc

    async def _initialise(self, link: _Link) -> FirmwareVersion:
        # The wake-up must come right before the first frame, so it travels as that frame's prefix.
        await self._command(link, CMD_SAM_CONFIGURATION, sam_configuration(), prefix=WAKEUP_SEQUENCE)
        await self._command(link, CMD_RF_CONFIGURATION, rf_configuration_max_retries())
        return await self._get_firmware(link)

    async def _poll(self, link: _Link) -> list[PassiveTarget]:
        params = await self._command(link, CMD_IN_LIST_PASSIVE_TARGET, in_list_passive_target())
        try:
            return parse_in_list_passive_target(params)
        except ResponseError as exc:
            raise ReaderProtocolError(str(exc)) from exc

    def _emit(self, event: ReaderEvent) -> None:
        self.event_queue.put_nowait(event)

    def _went_down(self, reason: str) -> None:
        if self.present_uid is not None:
            # Nobody can vouch for the card while the reader is gone; consumers must not hold a stale one.
            self._emit(CardRemoved(self.present_uid))
            self.present_uid = None
        self._misses = 0
        if self._up is not False:
            self._up = False
            self._emit(ReaderDown(reason))

    def _saw(self, targets: list[PassiveTarget]) -> None:
        uid = targets[0].uid_hex if targets else None
        if uid is not None:
            self._misses = 0
            if uid != self.present_uid:
                if self.present_uid is not None:
                    self._emit(CardRemoved(self.present_uid))
                self.present_uid = uid
                self._emit(CardPresented(uid))
            return
        if self.present_uid is None:
            return
        self._misses += 1
        if self._misses >= self.removal_misses:
            self._emit(CardRemoved(self.present_uid))
            self.present_uid = None
            self._misses = 0

    async def _run(self) -> None:
        while True:
            try:
                link = await self._connect()
            except ReaderError as exc:
                self._went_down(str(exc))
                await asyncio.sleep(self.reconnect_interval)
                continue
            try:
                async with self._lock:
                    self.firmware = await self._initialise(link)
                    self._link = link
                self._up = True
                self._emit(ReaderUp(self.firmware))
                while True:
                    async with self._lock:
                        targets = await self._poll(link)
                    self._saw(targets)
                    await asyncio.sleep(self.poll_interval)
            except ReaderError as exc:
                self._went_down(str(exc))
            finally:
                self._link = None
                await link.close()
            await asyncio.sleep(self.reconnect_interval)
