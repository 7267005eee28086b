"""``station sim reader`` / ``station sim printer`` as processes: port on line 1, control on line 2, SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from station.devices.pn532_reader import PN532Reader

# Driven through a parser of their own (station.cli.sim registers them), as the tests always did.
RUNNER = """
import argparse, sys
from station.cli.sim import register_printer, register_reader
parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="sim_command", required=True)
register_reader(sub)
register_printer(sub)
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args))
"""


async def spawn(*argv: str) -> tuple[asyncio.subprocess.Process, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUNNER, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    first = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
    second = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
    return proc, first, second


async def stop(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), 20)


@pytest.mark.parametrize("link", [["--pty"], ["--tcp", "0"]])
async def test_reader_sim_process(link: list[str]) -> None:
    proc, url, control = await spawn("reader", *link, "--card", "04:A1:B2:C3")
    try:
        assert url.startswith("/dev/") if link == ["--pty"] else url.startswith("socket://127.0.0.1:")
        reader = PN532Reader(url, response_timeout=1.0)
        assert await reader.read_uid_once(5.0) == "04A1B2C3"
        r, w = await asyncio.open_connection("127.0.0.1", int(control))
        w.write(b"remove\n")
        assert (await asyncio.wait_for(r.readline(), 10)).strip() == b"ok removed"
        w.close()
        assert await reader.read_uid_once(0.05) is None
    finally:
        assert await stop(proc) == 0


async def test_printer_sim_process() -> None:
    proc, url, target = await spawn("printer", "--tcp", "0")
    try:
        assert url == f"socket://{target}"
    finally:
        assert await stop(proc) == 0
