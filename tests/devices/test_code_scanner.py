"""The serial barcode scanner (扫码枪): its lines, and the driver against the simulator over a real pty and a
TCP socket: CR LF, CR or LF suffixes, a code split across reads, noise dropped, a cable pulled and put back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.devices.code_scanner import MAX_LINE, CodeScanner, split_lines
from station.devices.code_scanner_sim import CodeScannerSimulator
from tests.conftest import until

CODE = "134567890123456789"


@given(st.lists(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)))
def test_every_printable_line_reads_back_whole_whatever_the_suffix(codes: list[str]) -> None:
    for suffix in (b"\r\n", b"\r", b"\n"):
        buffer = bytearray(b"".join(c.encode() + suffix for c in codes))
        assert split_lines(buffer) == codes and not buffer


def test_noise_and_an_endless_line_are_dropped_never_guessed() -> None:
    buffer = bytearray(b"1345\xff67\r\n" + CODE.encode() + b"\r\n" + b"12")
    assert split_lines(buffer) == [CODE]  # the line with a byte out of ASCII is gone, not repaired
    assert buffer == b"12"  # a code half-sent waits for its end
    buffer += b"3" * (MAX_LINE + 1)
    assert split_lines(buffer) == [] and not buffer


class Collected:
    def __init__(self, scanner: CodeScanner) -> None:
        self.codes: list[str] = []
        self.task = asyncio.create_task(self._read(scanner))

    async def _read(self, scanner: CodeScanner) -> None:
        async for code in scanner.codes():
            self.codes.append(code)


@pytest.fixture(params=["pty", "tcp"])
async def line(request: pytest.FixtureRequest) -> AsyncIterator[tuple[CodeScannerSimulator, CodeScanner, Collected]]:
    mode: Literal["pty", "tcp"] = request.param
    sim = CodeScannerSimulator(mode=mode)
    await sim.start()
    scanner = CodeScanner(sim.url, retry_s=0.1)
    got = Collected(scanner)
    await until(lambda: scanner.healthy and sim.connected, timeout=5)
    yield sim, scanner, got
    got.task.cancel()
    await asyncio.gather(got.task, return_exceptions=True)
    await sim.stop()


async def test_codes_arrive_in_order_split_or_with_noise_between(
    line: tuple[CodeScannerSimulator, CodeScanner, Collected],
) -> None:
    sim, _scanner, got = line
    sim.scan(CODE)
    sim.scan_raw(b"28456789")  # a code in two reads
    await asyncio.sleep(0.05)
    sim.scan_raw(b"01234567\r")
    sim.scan_raw(b"\x00\x13garbage\xfe\r\n")
    sim.scan("https://fp.example.cn/i?s=DY-0001&r=00000042&a=3000&c=0123456789abcdef")
    await until(lambda: len(got.codes) == 3, timeout=5)
    assert got.codes == [
        CODE,
        "2845678901234567",
        "https://fp.example.cn/i?s=DY-0001&r=00000042&a=3000&c=0123456789abcdef",
    ]


async def test_a_scanner_unplugged_and_back_reads_again() -> None:
    sim = CodeScannerSimulator(mode="tcp")
    await sim.start()
    port = int(sim.url.rsplit(":", 1)[1])
    scanner = CodeScanner(sim.url, retry_s=0.1)
    got = Collected(scanner)
    try:
        await until(lambda: scanner.healthy and sim.connected, timeout=5)
        await sim.stop()  # the cable pulled
        await until(lambda: not scanner.healthy, timeout=5)
        assert scanner.last_error is not None
        sim = CodeScannerSimulator(mode="tcp", port=port)  # put back on the same port
        await sim.start()
        await until(lambda: scanner.healthy and sim.connected, timeout=10)
        sim.scan(CODE)
        await until(lambda: got.codes == [CODE], timeout=5)
    finally:
        got.task.cancel()
        await asyncio.gather(got.task, return_exceptions=True)
        await sim.stop()


async def test_station_sim_scanner_sends_each_line_typed() -> None:
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "station.cli",
        "sim",
        "scanner",
        "--tcp",
        "0",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert url.startswith("socket://127.0.0.1:")
        scanner = CodeScanner(url, retry_s=0.1)
        got = Collected(scanner)
        await until(lambda: scanner.healthy, timeout=5)
        await asyncio.sleep(0.1)  # the simulator has taken the connection
        proc.stdin.write(f"{CODE}\n".encode())
        await proc.stdin.drain()
        await until(lambda: got.codes == [CODE], timeout=5)
        got.task.cancel()
        await asyncio.gather(got.task, return_exceptions=True)
    finally:
        proc.kill()
        await proc.wait()
