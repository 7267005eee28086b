"""asyncio driver for the serial 8-digit LED customer display (客显) facing the driver.

The core calls the ``show_*`` methods and ``clear()``; each records the picture wanted and returns at once. One
writer task puts the latest picture on the wire: a display shows the present, so pictures asked for while the
port is busy or gone replace each other instead of queueing (a backlog would replay stale amounts when the
cable comes back). A fault never reaches the caller: it is logged once, ``healthy`` turns False, and the writer
reopens the port every ``reconnect_interval`` and shows the latest picture when it is back. The current picture
is also re-sent every ``refresh_interval``, which puts it back on a display that was power-cycled and notices an
unplugged USB adapter even when nothing changes. (A bare RS-232 cable pulled out cannot be noticed: the display
never answers.)

``customer_display_from_config`` gives a :class:`NullCustomerDisplay` when no port is configured: the same API,
nothing shown, no error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import serial
import serial_asyncio_fast

from station.config import Devices
from station.devices.customer_display_protocol import ESC_INIT, Light, Picture, encode_picture

log = logging.getLogger(__name__)


class CustomerDisplayLike(Protocol):
    """What the core drives; amounts are integer fen."""

    @property
    def healthy(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def show_amount(self, fen: int) -> None: ...

    async def show_due(self, fen: int) -> None: ...

    async def show_received(self, fen: int) -> None: ...

    async def show_change(self, fen: int) -> None: ...

    async def show_balance(self, fen: int) -> None: ...

    async def show_price(self, fen: int) -> None: ...

    async def clear(self) -> None: ...


class _Shows:
    """The pictures behind each call, shared by the real display and the null one."""

    def _want(self, picture: Picture, hold: bool = False) -> None:
        raise NotImplementedError

    async def show_amount(self, fen: int) -> None:
        """Live during the fill: the amount so far, under 总计 (TOTAL)."""
        self._want(Picture.amount(fen, Light.TOTAL))

    async def show_due(self, fen: int) -> None:
        """At settle: the amount to pay, under 总计 (TOTAL)."""
        self._want(Picture.amount(fen, Light.TOTAL))

    async def show_received(self, fen: int) -> None:
        """Cash handed over (收到您XX元), under 收款 (COLLECT).

        Held on the display for a moment (``received_hold``) even when the change follows at once, so that
        the customer sees both, as seed 001 has the attendant say both.
        """
        self._want(Picture.amount(fen, Light.COLLECT), hold=True)

    async def show_change(self, fen: int) -> None:
        """The change (找零XX元), under 找零 (CHANGE)."""
        self._want(Picture.amount(fen, Light.CHANGE))

    async def show_balance(self, fen: int) -> None:
        """A card's balance after the sale, with no light lit.

        None of the four labels means "balance": 总计 would read as money still owed, 收款 as money taken and
        找零 as money to hand back. A bare number, read out by the attendant (您卡内余额XX元), is the truthful
        picture.
        """
        self._want(Picture.amount(fen, Light.OFF))

    async def show_price(self, fen: int) -> None:
        """The unit price (fen per sale unit), under 单价 (PRICE)."""
        self._want(Picture.amount(fen, Light.PRICE))

    async def clear(self) -> None:
        """Digits blank, lights off (between customers)."""
        self._want(Picture())


class NullCustomerDisplay(_Shows):
    """No display configured: every call is accepted and nothing happens."""

    healthy = True

    def __init__(self) -> None:
        self.picture = Picture()  # what would be shown, for a status line or a test

    def _want(self, picture: Picture, hold: bool = False) -> None:
        self.picture = picture

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class CustomerDisplay(_Shows):
    """The display at ``url`` (``/dev/ttyUSB0``, ``/dev/pts/N``, ``socket://host:port``)."""

    def __init__(
        self,
        url: str,
        baudrate: int = 2400,
        *,
        reconnect_interval: float = 1.0,
        refresh_interval: float = 5.0,
        write_timeout: float = 2.0,
        received_hold: float = 2.0,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.reconnect_interval = reconnect_interval
        self.refresh_interval = refresh_interval
        self.write_timeout = write_timeout
        self.received_hold = received_hold
        self.picture = Picture()  # the latest picture asked for
        self.shown: Picture | None = None  # the latest picture fully written to the port
        self.last_error: str | None = None
        self._healthy = False
        self._writer: asyncio.StreamWriter | None = None
        self._dirty = asyncio.Event()
        # A picture to show and hold before the latest one (see show_received): the only other slot.
        self._held: Picture | None = None
        self._hold_until = 0.0  # loop time before which the shown picture is not replaced
        self._task: asyncio.Task[None] | None = None

    @property
    def healthy(self) -> bool:
        """True while the port is open and the last write went through."""
        writer = self._writer
        return self._healthy and writer is not None and not writer.is_closing()

    async def start(self) -> None:
        if self._task is None:
            self._dirty.set()  # initialise the display and show the current picture (blank at first)
            self._task = asyncio.create_task(self._run(), name=f"customer display {self.url}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close()
        self._healthy = False

    async def wait_shown(self, timeout: float) -> bool:
        """Wait until the latest picture is on the wire; False after ``timeout`` (for tests and shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.shown != self.picture or self._dirty.is_set():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    def _want(self, picture: Picture, hold: bool = False) -> None:
        if picture.overflow and not self.picture.overflow:
            log.warning("customer display: amount does not fit eight digits; showing dashes")
        self.picture = picture
        if hold:
            self._held = picture
        self._dirty.set()

    # --- the writer ----------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), self.refresh_interval)
            # During a hold, calls replace each other as ever: only the latest picture waits.
            await asyncio.sleep(self._hold_until - asyncio.get_running_loop().time())
            try:
                shown = await self._show_latest()
            except Exception as exc:  # whatever the port library throws, the display must not die for good
                log.exception("customer display: unexpected error")
                self._fault(f"unexpected error: {exc!r}")
                await self._close()
                shown = False
            if not shown:
                self._dirty.set()  # show the latest picture once the port is back
                await asyncio.sleep(self.reconnect_interval)

    async def _show_latest(self) -> bool:
        # Taken before anything can fail: a held picture lost to a fault is stale by the time the port is back.
        held, self._held = self._held, None
        if self._writer is None or self._writer.is_closing():
            if self._writer is not None:
                self._fault(f"{self.url} hung up")
            await self._close()
            if not await self._open():
                return False
        if held is not None and held != self.picture:
            # Shown now and left up for received_hold, then the latest picture.
            if not await self._write(encode_picture(held)):
                return False
            self.shown = held
            self._hold_until = asyncio.get_running_loop().time() + self.received_hold
            return True  # dirty is still set: the latest picture follows after the hold
        picture = self.picture
        self._dirty.clear()
        if not await self._write(encode_picture(picture)):
            return False
        if held is not None and picture != self.shown:
            self._hold_until = asyncio.get_running_loop().time() + self.received_hold
        self.shown = picture
        return True

    async def _open(self) -> bool:
        try:
            _, writer = await asyncio.wait_for(
                serial_asyncio_fast.open_serial_connection(url=self.url, baudrate=self.baudrate),
                self.write_timeout,
            )
        except (OSError, serial.SerialException, ValueError, TimeoutError) as exc:
            self._fault(f"cannot open {self.url}: {exc}")
            return False
        self._writer = writer
        # A display just plugged in (or power-cycled) may hold anything: start it from its reset state.
        return await self._write(ESC_INIT)

    async def _write(self, data: bytes) -> bool:
        writer = self._writer
        try:
            if writer is None or writer.is_closing():
                raise ConnectionError("the port is closed")
            writer.write(data)
            # Waiting for the bytes to leave keeps at most one picture in the buffer: at 2400 baud a
            # picture takes ~70 ms, and a stuck port times out instead of growing a backlog.
            await asyncio.wait_for(writer.drain(), self.write_timeout)
            if writer.is_closing():
                raise ConnectionError("the port was closed")
        except (OSError, ConnectionError, serial.SerialException, TimeoutError) as exc:
            self._fault(f"write to {self.url} failed: {exc or type(exc).__name__}")
            await self._close()
            return False
        if not self._healthy:
            log.info("customer display %s: up", self.url)
        self._healthy = True
        self.last_error = None
        return True

    def _fault(self, reason: str) -> None:
        if self._healthy or self.last_error is None:
            log.warning("customer display: %s (the sale goes on; retrying every %ss)", reason, self.reconnect_interval)
        self._healthy = False
        self.last_error = reason

    async def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 1.0)


def customer_display_from_config(devices: Devices) -> CustomerDisplay | NullCustomerDisplay:
    """The display of ``[devices] customer_display`` (a port; empty: none) at ``customer_display_baud``."""
    if not devices.customer_display:
        return NullCustomerDisplay()
    return CustomerDisplay(devices.customer_display, devices.customer_display_baud)
