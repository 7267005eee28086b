"""asyncio driver for a serial barcode scanner (扫码枪) at the kiosk: the driver's payment code (付款码) or a
receipt's QR, read as a line of text.

A serial scanner in its factory setting sends what it read as ASCII followed by a suffix, CR or CR LF; there
is no reply and no checksum. :meth:`CodeScanner.codes` gives each line, stripped of its suffix; a line that is
not printable ASCII (noise on the line, a scanner set to another code page) is dropped and logged, never
guessed at: a payment code misread by one digit is another person's code. The port is opened again after a
fault (unplugged, hung up) every ``retry_s``; ``healthy`` tells the screen whether it is up.

A USB scanner needs none of this: it types like a keyboard into the focused field.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import serial
import serial_asyncio_fast

log = logging.getLogger(__name__)

MAX_LINE = 512  # a receipt's QR link is the longest thing scanned here; more is noise without a suffix


def split_lines(buffer: bytearray) -> list[str]:
    """Take the complete lines (CR, LF or CR LF) out of ``buffer``; the rest stays for the next read. A line
    that is not printable ASCII, or longer than ``MAX_LINE``, is dropped."""
    out: list[str] = []
    while True:
        ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
        if not ends:
            if len(buffer) > MAX_LINE:
                log.warning("code scanner: %d bytes without a line end dropped", len(buffer))
                buffer.clear()
            return out
        end = min(ends)
        raw = bytes(buffer[:end])
        del buffer[: end + 1]
        if not raw:
            continue  # the LF of a CR LF, or an empty scan
        if len(raw) > MAX_LINE or not all(0x20 <= b < 0x7F for b in raw):
            log.warning("code scanner: a line that is not printable ASCII dropped (%d bytes)", len(raw))
            continue
        out.append(raw.decode("ascii"))


class CodeScanner:
    """The scanner at ``url`` (``/dev/ttyUSB2``, ``/dev/pts/N``, ``socket://host:port``)."""

    def __init__(self, url: str, baudrate: int = 9600, *, retry_s: float = 2.0, open_timeout: float = 2.0) -> None:
        self.url = url
        self.baudrate = baudrate
        self.retry_s = retry_s
        self.open_timeout = open_timeout
        self.last_error: str | None = None
        self._up = False

    @property
    def healthy(self) -> bool:
        return self._up

    async def codes(self) -> AsyncIterator[str]:
        """Each code scanned, for as long as the caller reads; the port is reopened after a fault."""
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    serial_asyncio_fast.open_serial_connection(url=self.url, baudrate=self.baudrate),
                    self.open_timeout,
                )
            except (OSError, serial.SerialException, ValueError, TimeoutError) as exc:
                self._fault(f"cannot open {self.url}: {exc or type(exc).__name__}")
                await asyncio.sleep(self.retry_s)
                continue
            if self.last_error is not None:
                log.info("code scanner %s: up", self.url)
            self.last_error, self._up = None, True
            buffer = bytearray()
            try:
                while data := await reader.read(256):
                    buffer += data
                    for code in split_lines(buffer):
                        yield code
                self._fault(f"{self.url} hung up")
            except (OSError, serial.SerialException) as exc:
                self._fault(f"read from {self.url} failed: {exc}")
            finally:
                self._up = False
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 1)
            await asyncio.sleep(self.retry_s)

    def _fault(self, text: str) -> None:
        if self.last_error is None:
            log.warning("code scanner: %s (scan into the field by hand until it is back)", text)
        self.last_error = text
        self._up = False
