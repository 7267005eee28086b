"""A rating pad (服务评价器) simulator: it answers PING, lights up on ASK, goes dark on CANCEL, and sends the key a
test (or a person at its console) presses, for the question lit at that moment.

On a pty, the driver opens the slave path (or ``link_path``); over TCP, ``socket://127.0.0.1:PORT``. ``asked``
is the number of the question lit now (None: dark), ``history`` every line it received. ``press(score)`` while
dark sends nothing, as a dark pad's keys do nothing. ``noise`` puts line noise before the next reply (the driver
must skip it). Run ``python -m station.devices.rating_pad_sim`` to press keys by hand: the first line printed is
the port to connect to; then type 1–5 and Enter.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from station.devices.rating_pad_protocol import (
    Ask,
    Cancel,
    LineReader,
    Message,
    Ping,
    Pong,
    Pressed,
    Score,
    encode,
)
from station.devices.sim_link import Feed, SimLink, Write

MODEL, VERSION = "SIM-RP5", "1.0"


class RatingPadSimulator:
    def __init__(
        self,
        *,
        mode: Literal["pty", "tcp"] = "pty",
        host: str = "127.0.0.1",
        port: int = 0,
        link_path: str | os.PathLike[str] | None = None,
        on_change: Callable[[int | None], None] | None = None,
        auto_press: float | None = None,
        seed: int = 1,
    ) -> None:
        self.asked: int | None = None
        # The demo's driver: a key (mostly 4 or 5, as at most stations) this many seconds after the pad lights.
        self.auto_press = auto_press
        self._random = random.Random(seed)
        self.history: list[Message] = []
        self.noise = b""
        self.on_change = on_change
        self._writes: dict[Feed, Write] = {}
        self._link = SimLink(
            mode=mode,
            host=host,
            port=port,
            link_path=Path(link_path) if link_path is not None else None,
            on_connect=self._connected,
            on_close=self._closed,
        )

    @property
    def url(self) -> str:
        return self._link.url

    async def start(self) -> None:
        await self._link.start()

    async def stop(self) -> None:
        await self._link.stop()
        self._writes.clear()

    async def disconnect(self) -> None:
        """Unplug: the driver's port hangs up; the pad goes dark."""
        await self.stop()
        self._light(None)

    async def reconnect(self) -> None:
        await self._link.stop()
        await self._link.start()

    def press(self, score: int) -> bool:
        """The driver presses a key; True if it was sent (the pad was lit), and the pad goes dark."""
        if self.asked is None:
            return False
        self._send(encode(Pressed(self.asked, Score(score))))
        self._light(None)
        return True

    def press_raw(self, data: bytes) -> None:
        """Bytes as a faulty pad would send them (tests: noise, a bad checksum, a key for another question)."""
        self._send(data)

    # --- the wire ------------------------------------------------------------------------------------------

    def _connected(self, write: Write) -> Feed:
        lines = LineReader()

        def feed(data: bytes) -> None:
            for message in lines.feed(data):
                self._heard(message)

        self._writes[feed] = write
        return feed

    def _closed(self, feed: Feed) -> None:
        self._writes.pop(feed, None)

    def _heard(self, message: Message) -> None:
        self.history.append(message)
        match message:
            case Ping():
                self._send(encode(Pong(MODEL, VERSION)))
            case Ask(seq):
                self._light(seq)
            case Cancel(seq) if seq == self.asked:
                self._light(None)

    def _light(self, seq: int | None) -> None:
        if seq != self.asked:
            self.asked = seq
            if self.on_change is not None:
                self.on_change(seq)
            if seq is not None and self.auto_press is not None:
                asyncio.get_running_loop().call_later(self.auto_press, self._auto, seq)

    def _auto(self, seq: int) -> None:
        if self.asked == seq:  # still lit for the same question: the driver has not gone yet
            self.press(self._random.choices([5, 4, 3, 2, 1], weights=[60, 25, 10, 3, 2])[0])

    def _send(self, data: bytes) -> None:
        noise, self.noise = self.noise, b""
        for write in list(self._writes.values()):
            write(noise + data)


async def _console(link: str | None, tcp: int | None) -> None:
    def show(seq: int | None) -> None:
        print("lit: press 1-5 and Enter" if seq is not None else "dark", flush=True)

    if tcp is not None:
        sim = RatingPadSimulator(mode="tcp", port=tcp, on_change=show)
    else:
        sim = RatingPadSimulator(link_path=link, on_change=show)
    await sim.start()
    print(sim.url, flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() in {"1", "2", "3", "4", "5"} and not sim.press(int(line)):
                print("dark: nothing asked", flush=True)
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A rating pad (服务评价器) simulator")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--link", help="a stable symlink to the pty")
    where.add_argument("--tcp", type=int, help="listen on this TCP port (0: any)")
    args = parser.parse_args(argv)
    asyncio.run(_console(args.link, args.tcp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
