"""A customer display (客显) simulator: it parses the bytes the way the display does and shows the picture.

On a pty, the driver opens the slave path (``/dev/pts/N``, or ``link_path``, a stable symlink the way
``/dev/serial/by-id/...`` works, kept across :meth:`CustomerDisplaySimulator.reconnect`); over TCP (a
serial-over-IP converter), ``socket://127.0.0.1:PORT``, the same port after a reconnect. ``picture`` is what the
display shows now, ``history`` every picture it showed (consecutive repeats folded), ``render()`` the text face.
``disconnect()`` pulls the cable: the driver's port hangs up. Run ``python -m station.devices.customer_display_sim``
to watch it: the first line printed is the port to connect to, then one line per change.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from station.devices.customer_display_protocol import DisplayParser, Picture


class CustomerDisplaySimulator:
    def __init__(
        self,
        *,
        mode: Literal["pty", "tcp"] = "pty",
        host: str = "127.0.0.1",
        port: int = 0,
        link_path: str | os.PathLike[str] | None = None,
        on_change: Callable[[Picture], None] | None = None,
    ) -> None:
        self.mode = mode
        self.host = host
        self._port = port
        self.link_path = Path(link_path) if link_path is not None else None
        self.on_change = on_change
        self.parser = DisplayParser()
        self.history: list[Picture] = []
        self.received = bytearray()
        self.url = ""
        self._master: int | None = None
        self._slave: int | None = None
        self._server: asyncio.Server | None = None
        self._tcp_writers: list[asyncio.StreamWriter] = []

    @property
    def picture(self) -> Picture:
        return self.parser.picture

    @property
    def connected(self) -> bool:
        return self._master is not None or self._server is not None

    def render(self) -> str:
        return self.picture.render()

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._open_link()

    async def stop(self) -> None:
        await self.disconnect()

    async def disconnect(self) -> None:
        """Unplug: the driver's port errors out; the display keeps showing its last picture, as a real one does."""
        if self._server is not None:
            self._server.close()
            for writer in self._tcp_writers:
                writer.close()
            self._tcp_writers.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        if self._master is not None:
            asyncio.get_running_loop().remove_reader(self._master)
            os.close(self._master)
            self._master = None
        if self._slave is not None:
            os.close(self._slave)
            self._slave = None
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link_path.unlink()

    def power_cycle(self) -> None:
        """Switch the display off and on: it comes back blank, the port stays as it was."""
        self.parser = DisplayParser()
        self._record(self.parser.picture)

    async def reconnect(self) -> None:
        """Plug back in: a fresh pty behind the same ``link_path``."""
        await self.disconnect()
        await self._open_link()

    async def _open_link(self) -> None:
        if self.mode == "tcp":
            self._server = await asyncio.start_server(self._tcp_client, self.host, self._port, reuse_address=True)
            self._port = self._server.sockets[0].getsockname()[1]
            self.url = f"socket://{self.host}:{self._port}"
            return
        master, slave = os.openpty()
        # Raw, so the line discipline neither echoes nor turns CR into LF.
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        slave_path = os.ttyname(slave)
        asyncio.get_running_loop().add_reader(master, self._readable)
        if self.link_path is not None:
            tmp = self.link_path.with_name(self.link_path.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(slave_path)
            os.replace(tmp, self.link_path)
            self.url = str(self.link_path)
        else:
            self.url = slave_path

    def _readable(self) -> None:
        if self._master is None:
            return
        try:
            data = os.read(self._master, 4096)
        except OSError:  # BlockingIOError, or EIO when no one holds the slave open
            return
        if data:
            self.feed(data)

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tcp_writers.append(writer)
        try:
            while data := await reader.read(4096):
                self.feed(data)
        except (ConnectionError, OSError):
            pass
        finally:
            if writer in self._tcp_writers:
                self._tcp_writers.remove(writer)
            writer.close()

    def feed(self, data: bytes) -> None:
        """Bytes off the wire (also callable directly, e.g. to replay a capture)."""
        self.received += data
        for picture in self.parser.feed(data):
            self._record(picture)

    def _record(self, picture: Picture) -> None:
        if not self.history or self.history[-1] != picture:
            self.history.append(picture)
            if self.on_change is not None:
                self.on_change(picture)


async def _serve(link: str | None, tcp: int | None) -> None:
    def show(picture: Picture) -> None:
        print(picture.render(), flush=True)

    if tcp is not None:
        sim = CustomerDisplaySimulator(mode="tcp", port=tcp, on_change=show)
    else:
        sim = CustomerDisplaySimulator(link_path=link, on_change=show)
    await sim.start()
    print(sim.url, flush=True)
    print(sim.render(), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m station.devices.customer_display_sim",
        description="Simulated 8-digit LED customer display (pty or TCP); prints the port, then each picture.",
    )
    parser.add_argument("--link", help="also make this path a symlink to the pty (stable across restarts)")
    parser.add_argument("--tcp", type=int, metavar="PORT", help="listen on TCP (0: any free port) instead of a pty")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.link, args.tcp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
