"""Raw bytes to and from the simulator's TCP port, and a one-trick fake device, for the v1.1 rules' tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from station.devices.dispenser_protocol import Frame, FrameDecoder, encode_frame

# The v1.1 vectors of docs/protocols/dispenser.md §4.1, as (request, reply); None where only one side is given.
V11_VECTORS: dict[str, tuple[str | None, str | None]] = {
    "V13": (
        "FA F5 14 20 40 00 00 1E 17",
        "FA F5 14 A0 40 1A 00 01 03 00 00 00 39 30 00 00 3F B4 96 00 00 00 00 00 C4 09 1C 07 DD FF 02 00 00 C7 AA",
    ),
    "V14": ("FA F5 01 05 41 0A 00 01 01 80 96 98 00 C2 01 00 00 B2 BF", "FA F5 01 FF 41 02 00 05 03 61 29"),
    "V15": ("FA F5 01 06 42 01 00 09 0C 74", "FA F5 01 86 42 01 00 00 CD AC"),
    "V16": ("FA F5 01 03 43 01 00 00 01 8E", "FA F5 01 FF 43 02 00 03 03 1B 49"),
    "V17": ("FA F5 01 03 44 0B 00 02 01 C2 01 00 00 01 C4 01 00 00 E1 4A", "FA F5 01 FF 44 02 00 03 03 AE 89"),
    "V18": ("FA F5 01 03 45 06 00 01 02 C4 01 00 00 68 4F", "FA F5 01 83 45 00 00 21 91"),
    "V19": ("FA F5 01 0B 46 04 00 03 00 00 00 60 D7", "FA F5 01 8B 46 04 00 03 00 00 00 68 B7"),
    "V20": ("FA F5 01 0B 4A 04 00 06 00 00 00 AC 1B", "FA F5 01 FF 4A 02 00 0B 06 00 8B"),
    "V21": ("FA F5 14 21 47 00 00 AE 2A", "FA F5 14 FF 47 02 00 21 0A 76 EE"),
    "V22": (None, "FA F5 01 81 10 05 00 01 01 01 09 01 B3 F4"),
    "V23": ("FA F5 01 05 48 0A 00 01 01 10 27 00 00 C2 01 00 00 1B 09", "FA F5 01 FF 48 02 00 05 09 3D 2F"),
    "V24": ("FA F5 14 06 49 01 00 00 CC 93", "FA F5 14 86 49 01 00 00 CD 4D"),
    "V25": ("FA F5 01 01 10 00 00 19 F9", "FA F5 01 81 10 05 00 01 01 01 02 01 B4 C4"),
}


def wire(text: str) -> bytes:
    return bytes.fromhex(text)


class RawLine:
    """The master's end of the simulator's TCP port, byte for byte (no driver in between)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = FrameDecoder()

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def frame(self, timeout: float = 3.0) -> Frame | None:
        """The next frame that arrives, or None after ``timeout`` of nothing."""

        async def read() -> Frame:
            while True:
                data = await self.reader.read(4096)
                if not data:
                    raise ConnectionError("closed")
                frames = self.decoder.feed(data)
                if frames:
                    return frames[0]

        try:
            return await asyncio.wait_for(read(), timeout)
        except TimeoutError:
            return None

    async def ask(self, request: bytes | Frame) -> bytes:
        """Send one request; the reply exactly as it came over the wire (re-encoded from the decoded frame)."""
        self.decoder.reset()
        await self.send(encode_frame(request) if isinstance(request, Frame) else request)
        reply = await self.frame()
        assert reply is not None, "no reply"
        return encode_frame(reply)


@contextlib.asynccontextmanager
async def raw_line(port: int) -> AsyncIterator[RawLine]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield RawLine(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def fake_device(answer: Callable[[Frame, asyncio.StreamWriter], object]) -> AsyncIterator[str]:
    """A TCP 'device' that hands every request frame to ``answer`` (which writes what it likes); yields the URL."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder = FrameDecoder()
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(4096):
                for frame in decoder.feed(data):
                    result = answer(frame, writer)
                    if asyncio.iscoroutine(result):
                        await result
        writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"socket://127.0.0.1:{port}"
    finally:
        server.close()
