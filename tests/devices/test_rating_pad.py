"""The rating pad (服务评价器): its lines, and the driver against the simulator over a real pty and TCP socket."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.config import Devices
from station.devices.rating_pad import NullRatingPad, RatingPad, rating_pad_from_config
from station.devices.rating_pad_protocol import (
    Ask,
    Cancel,
    LineReader,
    Ping,
    Pong,
    Pressed,
    Score,
    decode,
    encode,
)
from station.devices.rating_pad_sim import RatingPadSimulator
from tests.conftest import until

# --- the lines ---------------------------------------------------------------------------------------------


@given(st.integers(1, 9999), st.sampled_from(list(Score)))
def test_every_message_reads_back_as_itself(seq: int, score: Score) -> None:
    for message in (Ask(seq), Cancel(seq), Ping(), Pong("RP5", "2.1"), Pressed(seq, score)):
        line = encode(message)
        assert line.endswith(b"\r\n")
        assert decode(line[:-2]) == message


def test_the_known_bytes() -> None:
    # body "KEY,7,4": the XOR of its bytes is 0x54 (worked by hand in docs/protocols/rating_pad.md)
    assert encode(Pressed(7, Score.SATISFIED)) == b"$KEY,7,4*54\r\n"
    assert encode(Ask(7)) == b"$ASK,7*42\r\n"


@pytest.mark.parametrize(
    "line",
    [
        b"$KEY,7,4*55",  # checksum off by one bit
        b"$KEY,7,9*5F",  # no key 9 (checksum right)
        b"$KEY,7,0*56",  # no key 0
        b"$KEY,0,4*57",  # question 0 is never asked
        b"$KEY,x,4*1B",  # not a number
        b"KEY,7,4*54",  # no start
        b"$HELLO*00",
        b"$" + b"A" * 80 + b"*00",
    ],
)
def test_a_damaged_or_unknown_line_is_no_message(line: bytes) -> None:
    assert decode(line) is None


def test_lines_in_pieces_and_noise_between_them() -> None:
    reader = LineReader()
    wire = b"\x00\xffzz" + encode(Pressed(3, Score.FAIR)) + b"garbage\r\n" + encode(Ping())
    got = []
    for i in range(0, len(wire), 3):
        got += reader.feed(wire[i : i + 3])
    assert got == [Pressed(3, Score.FAIR), Ping()]
    assert reader.dropped == 1
    assert reader.feed(b"x" * 200) == [] and reader.dropped == 2  # a run with no line end is dropped


# --- the driver against the simulator ----------------------------------------------------------------------


@pytest.fixture(params=["pty", "tcp"])
async def pad(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RatingPadSimulator, RatingPad]]:
    sim = RatingPadSimulator(mode=request.param)
    await sim.start()
    driver = RatingPad(sim.url)
    await driver.start()
    try:
        yield sim, driver
    finally:
        await driver.stop()
        await sim.stop()


async def press_when_lit(sim: RatingPadSimulator, score: int) -> None:
    await until(lambda: sim.asked is not None)
    assert sim.press(score)


async def test_the_driver_presses_a_key_and_gets_its_score(pad: tuple[RatingPadSimulator, RatingPad]) -> None:
    sim, driver = pad
    presser = asyncio.create_task(press_when_lit(sim, 4))
    assert await driver.ask(timeout=5) is Score.SATISFIED
    await presser
    assert sim.asked is None  # dark again
    assert driver.healthy


async def test_nobody_presses_the_question_is_withdrawn(pad: tuple[RatingPadSimulator, RatingPad]) -> None:
    sim, driver = pad
    assert await driver.ask(timeout=0.2) is None
    await until(lambda: sim.asked is None and len(sim.history) == 2)
    assert isinstance(sim.history[0], Ask) and isinstance(sim.history[1], Cancel)
    assert not sim.press(5)  # a dark pad sends nothing


async def test_a_late_press_for_an_earlier_question_scores_nobody(pad: tuple[RatingPadSimulator, RatingPad]) -> None:
    sim, driver = pad
    assert await driver.ask(timeout=0.2) is None
    await until(lambda: len(sim.history) == 2)  # the question, then its withdrawal
    old = sim.history[0]
    assert isinstance(old, Ask)

    async def late_then_real() -> None:
        await until(lambda: sim.asked is not None and sim.asked != old.seq)
        sim.press_raw(encode(Pressed(old.seq, Score.VERY_DISSATISFIED)))  # the first driver, too late
        sim.noise = b"\x13\x00junk"  # and noise before the real key
        await asyncio.sleep(0.05)
        assert sim.press(5)

    presser = asyncio.create_task(late_then_real())
    assert await driver.ask(timeout=5) is Score.VERY_SATISFIED
    await presser


async def test_the_pad_unplugged_while_asking_skips_the_rating_and_comes_back() -> None:
    sim = RatingPadSimulator(mode="tcp")
    await sim.start()
    driver = RatingPad(sim.url)
    try:
        asking = asyncio.create_task(driver.ask(timeout=10))
        await until(lambda: sim.asked is not None)
        await sim.disconnect()
        assert await asyncio.wait_for(asking, 5) is None  # not the 10 s: the line going down ends the wait
        assert not driver.healthy and driver.last_error
        await sim.reconnect()  # the same TCP port
        presser = asyncio.create_task(press_when_lit(sim, 2))
        assert await driver.ask(timeout=5) is Score.DISSATISFIED
        await presser
        assert driver.healthy
    finally:
        await driver.stop()
        await sim.stop()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_no_pad_at_the_port_means_no_rating_never_an_error() -> None:
    driver = RatingPad(f"socket://127.0.0.1:{closed_port()}", open_timeout=1)
    assert await driver.ask(timeout=5) is None
    assert not driver.healthy and "cannot open" in (driver.last_error or "")
    assert isinstance(rating_pad_from_config(Devices()), NullRatingPad)
    assert await NullRatingPad().ask(timeout=5) is None
    assert isinstance(rating_pad_from_config(Devices(rating_pad="socket://127.0.0.1:1")), RatingPad)
