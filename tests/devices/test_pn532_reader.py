"""The PN532 driver against the simulator, over a real pty and over TCP, through pyserial."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from station.devices.pn532_protocol import CMD_IN_LIST_PASSIVE_TARGET, FirmwareVersion
from station.devices.pn532_reader import (
    CardPresented,
    CardRemoved,
    PN532Reader,
    ReaderDown,
    ReaderError,
    ReaderEvent,
    ReaderUnavailable,
    ReaderUp,
)
from station.devices.pn532_sim import PN532Simulator

# Generous safety limits so a slow CI box never fails a test; nothing here measures speed.
WAIT = 10.0


@pytest.fixture(params=["pty", "tcp"])
async def sim(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[PN532Simulator]:
    link = tmp_path / "ttyPN532" if request.param == "pty" else None
    simulator = PN532Simulator(mode=request.param, link_path=link)
    await simulator.start()
    yield simulator
    await simulator.stop()


def make_reader(sim: PN532Simulator) -> PN532Reader:
    return PN532Reader(sim.url, poll_interval=0.01, response_timeout=0.3, reconnect_interval=0.05)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)


async def next_event(reader: PN532Reader) -> ReaderEvent:
    return await asyncio.wait_for(reader.event_queue.get(), WAIT)


def polls(sim: PN532Simulator) -> int:
    return sim.commands_seen.count(CMD_IN_LIST_PASSIVE_TARGET)


async def test_one_off_calls_without_start(sim: PN532Simulator) -> None:
    reader = make_reader(sim)
    assert await reader.firmware_version() == FirmwareVersion(0x32, 1, 6, 7)
    assert await reader.read_uid_once(0.05) is None
    sim.present("04A1B2C3")
    assert await reader.read_uid_once(1.0) == "04A1B2C3"


async def test_card_presented_held_and_removed(sim: PN532Simulator) -> None:
    reader = make_reader(sim)
    await reader.start()
    try:
        up = await next_event(reader)
        assert isinstance(up, ReaderUp) and up.firmware.ic == 0x32
        assert await reader.firmware_version() == up.firmware  # shares the running link
        sim.present("04112233445566")
        assert await next_event(reader) == CardPresented("04112233445566")
        # Held on the reader through many more polls: still exactly one event.
        seen = polls(sim)
        await until(lambda: polls(sim) >= seen + 20)
        assert reader.event_queue.empty()
        sim.remove()
        assert await next_event(reader) == CardRemoved("04112233445566")
        # A different card straight after another.
        sim.present("DEADBEEF")
        assert await next_event(reader) == CardPresented("DEADBEEF")
        sim.present("CAFEBABE")
        assert await next_event(reader) == CardRemoved("DEADBEEF")
        assert await next_event(reader) == CardPresented("CAFEBABE")
    finally:
        await reader.stop()


@pytest.mark.parametrize("fault", ["checksum", "drop", "garbage"])
async def test_faults_are_recovered_without_events(sim: PN532Simulator, fault: str) -> None:
    reader = make_reader(sim)
    sim.present("04A1B2C3")
    await reader.start()
    try:
        assert isinstance(await next_event(reader), ReaderUp)
        assert await next_event(reader) == CardPresented("04A1B2C3")
        setattr(sim.faults, fault, 2)
        await until(lambda: getattr(sim.faults, fault) == 0)
        seen = polls(sim)
        await until(lambda: polls(sim) >= seen + 5)
        # No ReaderDown, no flicker of the card: the driver NACKed or retried its way through.
        assert reader.event_queue.empty()
        assert reader.is_up
        sim.remove()
        assert await next_event(reader) == CardRemoved("04A1B2C3")
    finally:
        await reader.stop()


async def test_disconnect_and_return(sim: PN532Simulator) -> None:
    reader = make_reader(sim)
    sim.present("04A1B2C3")
    await reader.start()
    try:
        assert isinstance(await next_event(reader), ReaderUp)
        assert await next_event(reader) == CardPresented("04A1B2C3")
        await sim.disconnect()
        assert await next_event(reader) == CardRemoved("04A1B2C3")
        down = await next_event(reader)
        assert isinstance(down, ReaderDown)
        with pytest.raises(ReaderUnavailable):
            await reader.read_uid_once(0.1)
        await sim.reconnect()  # the same URL comes back (TCP port, or the pty behind the same link)
        assert isinstance(await next_event(reader), ReaderUp)
        assert await next_event(reader) == CardPresented("04A1B2C3")
    finally:
        await reader.stop()


async def test_missing_port_is_a_typed_error(tmp_path: Path) -> None:
    reader = PN532Reader(str(tmp_path / "no-such-tty"), response_timeout=0.2)
    with pytest.raises(ReaderUnavailable):
        await reader.firmware_version()
    await reader.start()
    try:
        assert isinstance(await next_event(reader), ReaderDown)
    finally:
        await reader.stop()


async def test_silent_device_is_a_typed_error(sim: PN532Simulator) -> None:
    sim.faults.drop = 1000  # ACKs but never answers
    reader = PN532Reader(sim.url, response_timeout=0.05, retries=1)
    with pytest.raises(ReaderError):
        await reader.firmware_version()


async def test_control_channel(sim: PN532Simulator) -> None:
    assert sim.control_port
    r, w = await asyncio.open_connection("127.0.0.1", sim.control_port)

    async def ask(line: str) -> str:
        w.write(line.encode() + b"\n")
        await w.drain()
        return (await asyncio.wait_for(r.readline(), WAIT)).decode().strip()

    assert await ask("present 04:a1:b2:c3") == "ok present 04A1B2C3"
    assert sim.card == bytes.fromhex("04A1B2C3")
    assert (await ask("status")).startswith("ok card=04A1B2C3 ")
    assert await ask("fault drop 2") == "ok fault drop 2"
    assert sim.faults.drop == 2
    assert await ask("fault clear") == "ok fault clear"
    assert await ask("remove") == "ok removed"
    assert sim.card is None
    assert (await ask("present XYZ")).startswith("error ")
    assert (await ask("frobnicate")).startswith("error ")
    w.close()
