"""A network (port 9100 style) ESC/POS printer simulator, and a decoder that reads receipts back as text.

The simulator stores every byte it is sent (``received``; one entry per connection in ``jobs``) and answers
the real-time status queries DLE EOT n the way an Epson-compatible printer does; ``qr_codes`` reads back the
content of the QR codes printed (GS ( k). ``paper_out`` and
``offline`` are switches a test or the demo panel flips. Bytes that arrive while out of paper are kept apart in
``discarded``: nothing came out of the printer.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

DLE, EOT = 0x10, 0x04
ESC, GS, FS = 0x1B, 0x1D, 0x1C

# Parameter byte counts of the fixed-length commands we may meet (ESC/POS command reference).
_ESC_PARAMS = {
    0x40: 0,
    0x32: 0,
    0x3C: 0,
    0x64: 1,
    0x61: 1,
    0x45: 1,
    0x21: 1,
    0x74: 1,
    0x33: 1,
    0x4A: 1,
    0x2D: 1,
    0x4D: 1,
    0x52: 1,
    0x70: 3,
    0x47: 1,
    0x56: 1,
    0x7B: 1,
    0x20: 1,
    0x24: 2,
    0x5C: 2,
    0x63: 2,
    0x65: 1,
}
_GS_PARAMS = {
    0x21: 1,
    0x42: 1,
    0x4C: 2,
    0x57: 2,
    0x68: 1,
    0x77: 1,
    0x48: 1,
    0x66: 1,
    0x61: 1,
    0x72: 1,
    0x49: 1,
    0x62: 1,
    0x50: 2,
    0x24: 2,
}
_FS_PARAMS = {0x26: 0, 0x2E: 0, 0x21: 1, 0x2D: 1, 0x57: 1, 0x43: 1, 0x53: 2, 0x70: 2}


def _skip_command(data: bytes, i: int) -> int:
    """Index just after the command starting at ``data[i]`` (ESC, GS, FS or DLE)."""
    lead = data[i]
    if i + 1 >= len(data):
        return len(data)
    code = data[i + 1]
    if lead == DLE:
        return i + 3 if code in (EOT, 0x05) else i + 2
    if lead == ESC:
        if code == 0x2A:  # ESC * m nL nH d1..dk: bit image
            if i + 4 < len(data):
                width = data[i + 3] + 256 * data[i + 4]
                return i + 5 + width * (3 if data[i + 2] in (32, 33) else 1)
            return len(data)
        return i + 2 + _ESC_PARAMS.get(code, 0)
    if lead == GS:
        if code == 0x56:  # GS V m [n]
            m = data[i + 2] if i + 2 < len(data) else 0
            return i + (4 if m in (65, 66) else 3)
        if code == 0x28 and i + 4 < len(data):  # GS ( fn pL pH ...
            return i + 5 + data[i + 3] + 256 * data[i + 4]
        if code == 0x6B and i + 2 < len(data):  # GS k m ...: barcode
            m = data[i + 2]
            if m <= 6:
                end = data.find(b"\x00", i + 3)
                return len(data) if end < 0 else end + 1
            return i + 4 + (data[i + 3] if i + 3 < len(data) else 0)
        if code == 0x76 and i + 7 < len(data):  # GS v 0 m xL xH yL yH d...: raster image
            x = data[i + 4] + 256 * data[i + 5]
            y = data[i + 6] + 256 * data[i + 7]
            return i + 8 + x * y
        return i + 2 + _GS_PARAMS.get(code, 0)
    return i + 2 + _FS_PARAMS.get(code, 0)


def decode_escpos_text(data: bytes, encoding: str = "gb18030") -> str:
    """The printable text in an ESC/POS byte stream: commands stripped, GB18030 decoded, CR dropped."""
    text = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte in (ESC, GS, FS, DLE):
            i = _skip_command(data, i)
            continue
        if byte == 0x0A or byte >= 0x20:
            text.append(byte)
        i += 1
    return text.decode(encoding, errors="replace")


def decode_qr_codes(data: bytes, encoding: str = "utf-8") -> list[str]:
    """The content of every QR code the printer was told to store (GS ( k pL pH 49 80 48 d…), in order."""
    found: list[str] = []
    i = 0
    while True:
        i = data.find(b"\x1d(k", i)
        if i < 0 or i + 4 >= len(data):
            return found
        size = data[i + 3] + 256 * data[i + 4]
        if data[i + 5 : i + 8] == b"1P0":  # cn 49 (QR), fn 80 (store the data), m 48
            found.append(data[i + 8 : i + 5 + size].decode(encoding, errors="replace"))
        i += 5 + size


class PrinterSimulator:
    """TCP ESC/POS printer: ``async start()``, ``port``, ``url`` (host:port), ``async stop()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, out_file: str | Path | None = None) -> None:
        self.host = host
        self._port_wanted = port
        self.port = 0
        self.out_file = Path(out_file) if out_file is not None else None
        self.paper_out = False
        self.paper_low = False
        self.offline = False
        self.received = bytearray()
        self.discarded = bytearray()
        self.jobs: list[bytes] = []
        self.status_queries = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def text(self) -> str:
        return decode_escpos_text(bytes(self.received))

    @property
    def qr_codes(self) -> list[str]:
        """What each QR code printed so far holds (a scanner would read the same)."""
        return decode_qr_codes(bytes(self.received))

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._client, self.host, self._port_wanted or self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Power off: refuse connections (restart with ``start()`` on the same port)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    def status_byte(self, n: int) -> int:
        base = 0x12  # bits 1 and 4 are fixed to 1 in every DLE EOT answer
        if n == 1:
            return base | (0x08 if self.offline or self.paper_out else 0)
        if n == 2:
            return base | (0x20 if self.paper_out else 0)
        if n == 4:
            if self.paper_out:
                return base | 0x60
            return base | (0x0C if self.paper_low else 0)
        return base

    def _accept(self, chunk: bytes, job: bytearray) -> None:
        if self.paper_out or self.offline:
            self.discarded += chunk
            return
        job += chunk
        self.received += chunk
        if self.out_file is not None:
            with open(self.out_file, "ab") as fh:
                fh.write(chunk)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        job = bytearray()
        pending = b""
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                data = pending + data
                pending = b""
                start = 0
                while True:
                    idx = data.find(bytes([DLE, EOT]), start)
                    if idx < 0:
                        break
                    if idx + 2 >= len(data):
                        break
                    self._accept(data[start:idx], job)
                    self.status_queries += 1
                    writer.write(bytes([self.status_byte(data[idx + 2])]))
                    await writer.drain()
                    start = idx + 3
                rest = data[start:]
                # A DLE EOT split across reads: hold its first bytes back until the rest arrives.
                if rest.endswith(bytes([DLE, EOT])):
                    pending, rest = rest[-2:], rest[:-2]
                elif rest.endswith(bytes([DLE])):
                    pending, rest = rest[-1:], rest[:-1]
                self._accept(rest, job)
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            if job:
                self.jobs.append(bytes(job))
            writer.close()
