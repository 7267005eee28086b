"""asyncio driver for the rating pad (服务评价器) at the kiosk window: the driver rates the service at farewell.

:meth:`RatingPad.ask` lights the pad and waits for one key, at most ``timeout`` seconds; it gives the score, or
None when nobody pressed (the driver drove off), when the pad is absent or when its line fails. It never raises:
a rating is welcome, never a reason to hold up the lane. A fault is logged once and ``healthy`` turns False;
the next ask opens the port again. A key pressed for an earlier question (its number is not the one asked) is
ignored, so a late press never scores the next customer.

``rating_pad_from_config`` gives a :class:`NullRatingPad` when no port is configured: every ask is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import serial
import serial_asyncio_fast

from station.config import Devices
from station.devices.rating_pad_protocol import Ask, Cancel, LineReader, Pressed, Score, encode

log = logging.getLogger(__name__)


class RatingPadLike(Protocol):
    @property
    def healthy(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ask(self, timeout: float) -> Score | None: ...


class NullRatingPad:
    """No pad configured: nobody is asked, every rating is skipped."""

    healthy = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ask(self, timeout: float) -> Score | None:
        return None


class RatingPad:
    """The pad at ``url`` (``/dev/ttyUSB3``, ``/dev/pts/N``, ``socket://host:port``)."""

    def __init__(self, url: str, baudrate: int = 9600, *, open_timeout: float = 2.0) -> None:
        self.url = url
        self.baudrate = baudrate
        self.open_timeout = open_timeout
        self.last_error: str | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._listen: asyncio.Task[None] | None = None
        self._seq = 0
        self._waiting: dict[int, asyncio.Future[Score]] = {}
        self._lock = asyncio.Lock()  # one question at a time: the pad has one prompt

    @property
    def healthy(self) -> bool:
        writer = self._writer
        return self.last_error is None and writer is not None and not writer.is_closing()

    async def start(self) -> None:
        await self._open()

    async def stop(self) -> None:
        await self._close()

    async def ask(self, timeout: float) -> Score | None:
        async with self._lock:
            if not self.healthy and not await self._open():
                return None
            self._seq = self._seq % 9999 + 1
            seq = self._seq
            answer: asyncio.Future[Score] = asyncio.get_running_loop().create_future()
            self._waiting[seq] = answer
            try:
                if not await self._send(encode(Ask(seq))):
                    return None
                try:
                    return await asyncio.wait_for(asyncio.shield(answer), timeout)
                except TimeoutError:
                    await self._send(encode(Cancel(seq)))  # the keys go dark: a late press scores nobody
                    return None
                except ConnectionError:
                    return None  # the line went down while waiting
                except asyncio.CancelledError:
                    # Withdrawn by the caller (the next car is at the window): the keys go dark before the
                    # next question, as the protocol's one-question rule asks.
                    if self.healthy:  # a pad closed at stop has nothing lit to withdraw
                        with contextlib.suppress(Exception):
                            await asyncio.wait_for(asyncio.shield(self._send(encode(Cancel(seq)))), 1)
                    raise
            finally:
                self._waiting.pop(seq, None)
                if not answer.done():
                    answer.cancel()

    # --- the line ------------------------------------------------------------------------------------------

    async def _open(self) -> bool:
        await self._close()
        try:
            reader, writer = await asyncio.wait_for(
                serial_asyncio_fast.open_serial_connection(url=self.url, baudrate=self.baudrate), self.open_timeout
            )
        except (OSError, serial.SerialException, ValueError, TimeoutError) as exc:
            self._fault(f"cannot open {self.url}: {exc or type(exc).__name__}")
            return False
        if self.last_error is not None:
            log.info("rating pad %s: up", self.url)
        self.last_error = None
        self._reader, self._writer = reader, writer
        self._listen = asyncio.create_task(self._read_lines(reader), name=f"rating pad {self.url}")
        return True

    async def _close(self) -> None:
        task, self._listen = self._listen, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        writer, self._writer = self._writer, None
        self._reader = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _send(self, data: bytes) -> bool:
        writer = self._writer
        try:
            if writer is None or writer.is_closing():
                raise ConnectionError("the port is closed")
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.open_timeout)
        except (OSError, ConnectionError, serial.SerialException, TimeoutError) as exc:
            self._fault(f"write to {self.url} failed: {exc or type(exc).__name__}")
            return False
        return True

    async def _read_lines(self, reader: asyncio.StreamReader) -> None:
        lines = LineReader()
        try:
            while data := await reader.read(256):
                for message in lines.feed(data):
                    if isinstance(message, Pressed):
                        answer = self._waiting.get(message.seq)
                        if answer is not None and not answer.done():
                            answer.set_result(message.score)
            self._fault(f"{self.url} hung up")
        except (OSError, serial.SerialException) as exc:
            self._fault(f"read from {self.url} failed: {exc}")
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_exception(ConnectionError(self.last_error or "the line went down"))

    def _fault(self, text: str) -> None:
        if self.last_error is None:
            log.warning("rating pad: %s (ratings are skipped until it is back)", text)
        self.last_error = text


def rating_pad_from_config(devices: Devices) -> RatingPadLike:
    """The configured pad, or the null one when ``[devices] rating_pad`` is empty."""
    if not devices.rating_pad:
        return NullRatingPad()
    return RatingPad(devices.rating_pad, devices.rating_pad_baud)
