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
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from station.devices.customer_display_protocol import DisplayParser, Picture
from station.devices.sim_link import SimLink


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
        self.link_path = Path(link_path) if link_path is not None else None
        self.on_change = on_change
        self.parser = DisplayParser()
        self.history: list[Picture] = []
        self.received = bytearray()
        # Every connection feeds the one display (a display only listens).
        self._link = SimLink(
            mode=mode, host=host, port=port, link_path=self.link_path, on_connect=lambda _write: self.feed
        )

    @property
    def url(self) -> str:
        return self._link.url

    @property
    def picture(self) -> Picture:
        return self.parser.picture

    @property
    def connected(self) -> bool:
        return self._link.open

    def render(self) -> str:
        return self.picture.render()

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._link.start()

    async def stop(self) -> None:
        await self.disconnect()

    async def disconnect(self) -> None:
        """Unplug: the driver's port errors out; the display keeps showing its last picture, as a real one does."""
        await self._link.stop()

    def power_cycle(self) -> None:
        """Switch the display off and on: it comes back blank, the port stays as it was."""
        self.parser = DisplayParser()
        self._record(self.parser.picture)

    async def reconnect(self) -> None:
        """Plug back in: a fresh pty behind the same ``link_path``, or the same TCP port."""
        await self._link.stop()
        await self._link.start()

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
