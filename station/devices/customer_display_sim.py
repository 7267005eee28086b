"""A customer display (客显) simulator on a pty: it parses the bytes the way the display does and shows the picture.

The driver opens the pty's slave path (``/dev/pts/N``, or ``link_path``, a stable symlink the way
``/dev/serial/by-id/...`` works, kept across :meth:`CustomerDisplaySimulator.reconnect`). ``picture`` is what the
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

from station.devices.customer_display_protocol import DisplayParser, Picture


class CustomerDisplaySimulator:
    def __init__(
        self,
        *,
        link_path: str | os.PathLike[str] | None = None,
        on_change: Callable[[Picture], None] | None = None,
    ) -> None:
        self.link_path = Path(link_path) if link_path is not None else None
        self.on_change = on_change
        self.parser = DisplayParser()
        self.history: list[Picture] = []
        self.received = bytearray()
        self.url = ""
        self._master: int | None = None
        self._slave: int | None = None

    @property
    def picture(self) -> Picture:
        return self.parser.picture

    @property
    def connected(self) -> bool:
        return self._master is not None

    def render(self) -> str:
        return self.picture.render()

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._open_link()

    async def stop(self) -> None:
        await self.disconnect()

    async def disconnect(self) -> None:
        """Unplug: the driver's port errors out; the display keeps showing its last picture, as a real one does."""
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


async def _serve(link: str | None) -> None:
    def show(picture: Picture) -> None:
        print(picture.render(), flush=True)

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
        description="Simulated 8-digit LED customer display on a pty; prints the port, then each picture.",
    )
    parser.add_argument("--link", help="also make this path a symlink to the pty (stable across restarts)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.link))
    return 0


if __name__ == "__main__":
    sys.exit(main())
