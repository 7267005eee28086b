"""The port: opening it with backoff, reading it, and why it is down (the LinkDown causes)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import re

import serial_asyncio_fast

from station.devices.dispenser_bus.errors import (
    LinkDownError,
)
from station.devices.dispenser_bus.events import (
    LinkDown,
    LinkUp,
)
from station.devices.dispenser_bus.exchange import Exchange

log = logging.getLogger(__name__)

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


class Link(Exchange):
    """Keeping the port open and feeding what it reads to the decoder."""

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

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
            self._last_answer = asyncio.get_running_loop().time()
            self._connected.set()
            self._emit(LinkUp(self.url))
            if self._stops_owed:  # an emergency stop the loss cut off goes first (§2.1)
                self._tasks.append(asyncio.create_task(self._repeat_owed_stops(), name="dispenser-owed-stops"))
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
            # §9.1: when the line returns, every address is identified again (a device may have been swapped)
            device.identity = None
            device.refused = None

    async def _close_port(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
