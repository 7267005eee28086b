"""A serial barcode scanner (扫码枪) simulator: the device end of a pty or a TCP port, sending each code scanned
as ASCII with a CR LF suffix, as a scanner in its factory setting does. ``scan_raw`` sends any bytes (tests:
noise, a split line, no suffix)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Literal

from station.devices.sim_link import Feed, SimLink, Write


class CodeScannerSimulator:
    def __init__(
        self,
        *,
        mode: Literal["pty", "tcp"] = "pty",
        host: str = "127.0.0.1",
        port: int = 0,
        link_path: str | os.PathLike[str] | None = None,
        suffix: bytes = b"\r\n",
    ) -> None:
        self.suffix = suffix
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

    @property
    def connected(self) -> bool:
        return bool(self._writes)

    async def start(self) -> None:
        await self._link.start()

    async def stop(self) -> None:
        await self._link.stop()
        self._writes.clear()

    def scan(self, code: str) -> None:
        """The code under the scanner's light: its characters and the suffix down the line."""
        self.scan_raw(code.encode("ascii") + self.suffix)

    def scan_raw(self, data: bytes) -> None:
        for write in list(self._writes.values()):
            write(data)

    def _connected(self, write: Write) -> Feed:
        def feed(_data: bytes) -> None:
            return None  # a scanner hears nothing

        self._writes[feed] = write
        return feed

    def _closed(self, feed: Feed) -> None:
        self._writes.pop(feed, None)


async def _console(link: str | None, tcp: int | None) -> None:
    sim = CodeScannerSimulator(mode="tcp", port=tcp) if tcp is not None else CodeScannerSimulator(link_path=link)
    await sim.start()
    print(sim.url, flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip():
                sim.scan(line.strip())
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A serial barcode scanner (扫码枪) simulator: type a code, Enter")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--link", help="a stable symlink to the pty")
    where.add_argument("--tcp", type=int, help="listen on this TCP port (0: any)")
    args = parser.parse_args(argv)
    asyncio.run(_console(args.link, args.tcp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
