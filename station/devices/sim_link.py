"""The device end of a simulated serial line, shared by the simulators of the card reader and the customer
display: a pty (the driver opens its slave path, or ``link_path``, a stable symlink the way
``/dev/serial/by-id/...`` works, kept across a reconnect) or a TCP server (a serial-over-IP converter,
``socket://HOST:PORT``, the same port after a reconnect).

Each connection (the pty, or one TCP client) is announced to ``on_connect`` with a function that writes to that
connection; it returns the function that takes the bytes read from it. ``on_close`` hears of a connection's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Literal

Write = Callable[[bytes], None]
Feed = Callable[[bytes], None]


class SimLink:
    def __init__(
        self,
        *,
        mode: Literal["pty", "tcp"],
        host: str,
        port: int,
        link_path: Path | None,
        on_connect: Callable[[Write], Feed],
        on_close: Callable[[Feed], None] = lambda _feed: None,
    ) -> None:
        self.mode = mode
        self.host = host
        self.port = port
        self.link_path = link_path
        self.url = ""
        self._on_connect = on_connect
        self._on_close = on_close
        self._master: int | None = None
        self._slave: int | None = None
        self._pty_feed: Feed | None = None
        self._server: asyncio.Server | None = None
        self._tcp_writers: list[asyncio.StreamWriter] = []

    @property
    def open(self) -> bool:
        return self._master is not None or self._server is not None

    async def start(self) -> None:
        if self.mode == "tcp":
            self._server = await asyncio.start_server(self._tcp_client, self.host, self.port, reuse_address=True)
            self.port = self._server.sockets[0].getsockname()[1]
            self.url = f"socket://{self.host}:{self.port}"
            return
        master, slave = os.openpty()
        # Raw, so the line discipline neither echoes the bytes back nor eats 0x11/0x13 or turns CR into LF.
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        slave_path = os.ttyname(slave)
        self._pty_feed = self._on_connect(self._pty_write)
        asyncio.get_running_loop().add_reader(master, self._pty_readable)
        if self.link_path is not None:
            tmp = self.link_path.with_name(self.link_path.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(slave_path)
            os.replace(tmp, self.link_path)
            self.url = str(self.link_path)
        else:
            self.url = slave_path

    async def stop(self) -> None:
        """Unplug: the driver's port errors out (pty hang-up or TCP reset)."""
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
        if self._pty_feed is not None:
            self._on_close(self._pty_feed)
            self._pty_feed = None
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link_path.unlink()

    def _pty_write(self, data: bytes) -> None:
        if self._master is None:
            return
        with contextlib.suppress(OSError):  # a full or hung-up pty loses the bytes, like a real wire
            os.write(self._master, data)

    def _pty_readable(self) -> None:
        if self._master is None or self._pty_feed is None:
            return
        try:
            data = os.read(self._master, 4096)
        except OSError:  # BlockingIOError, or EIO when no one holds the slave open
            return
        if data:
            self._pty_feed(data)

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def write(data: bytes) -> None:
            if not writer.is_closing():
                writer.write(data)

        feed = self._on_connect(write)
        self._tcp_writers.append(writer)
        try:
            while data := await reader.read(4096):
                feed(data)
        except (ConnectionError, OSError):
            pass
        finally:
            self._on_close(feed)
            if writer in self._tcp_writers:
                self._tcp_writers.remove(writer)
            writer.close()
