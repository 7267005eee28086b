"""The customer display (客显): the bytes, and the simulator reading them off a real pty."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.devices.customer_display_protocol import (
    MAX_FEN,
    OVERFLOW_DIGITS,
    DisplayParser,
    Light,
    Picture,
    encode_picture,
    fen_digits,
)
from station.devices.customer_display_sim import CustomerDisplaySimulator

# Generous safety limits so a slow, shared box never fails a test; nothing here measures speed.
WAIT = 10.0


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[CustomerDisplaySimulator]:
    simulator = CustomerDisplaySimulator(link_path=tmp_path / "ttyDISPLAY")
    await simulator.start()
    yield simulator
    await simulator.stop()


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)


# --- the bytes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "digits"),
    [(0, "0.00"), (5, "0.05"), (100, "1.00"), (12345, "123.45"), (MAX_FEN, "999999.99")],
)
def test_fen_shown_as_yuan_with_two_decimals(fen: int, digits: str) -> None:
    assert fen_digits(fen) == digits
    assert Picture.amount(fen, Light.TOTAL).fen() == fen


@pytest.mark.parametrize("fen", [MAX_FEN + 1, 10**12, -1])
def test_what_does_not_fit_is_dashes_never_a_number(fen: int) -> None:
    picture = Picture.amount(fen, Light.TOTAL)
    assert picture.digits == OVERFLOW_DIGITS and picture.overflow and picture.fen() is None


def test_encoded_bytes() -> None:
    # The vectors of docs/protocols/customer_display.md.
    assert encode_picture(Picture("123.45", Light.TOTAL)) == b"\x1bs2\x1bQA123.45\r"
    assert encode_picture(Picture("0.50", Light.CHANGE)) == b"\x1bs4\x1bQA0.50\r"
    assert encode_picture(Picture()) == b"\x0c\x1bs0"


def test_parser_takes_commands_in_pieces_and_skips_noise() -> None:
    parser = DisplayParser()
    for byte in b"\x1b@\xff\x1bs3\x1bQA88.00\r":
        parser.feed(bytes([byte]))
    assert parser.picture == Picture("88.00", Light.COLLECT) and parser.ignored == 1
    parser.feed(b"\x1bs\x01")  # some displays take the light as a binary number
    assert parser.picture.light == Light.PRICE
    parser.feed(b"\x1bQA12\x1bs4")  # a digits command cut off by the next ESC changes no digits
    assert parser.picture == Picture("88.00", Light.CHANGE) and parser.broken == 1
    parser.feed(b"\x0c")  # CLR blanks the digits and leaves the light
    assert parser.picture == Picture("", Light.CHANGE)
    parser.feed(b"\x1bQA1.00\r\x1b@")
    assert parser.picture == Picture()


def test_render_shows_digits_point_and_light() -> None:
    text = Picture("123.45", Light.TOTAL).render()
    assert text.startswith("[   123.45]") and "●总计/TOTAL" in text and "○收款/COLLECT" in text
    assert Picture().render().startswith("[         ]")


@given(st.integers(0, MAX_FEN), st.sampled_from(list(Light)))
def test_every_amount_round_trips_through_the_bytes(fen: int, light: Light) -> None:
    parser = DisplayParser()
    parser.feed(encode_picture(Picture.amount(fen, light)))
    assert parser.picture.fen() == fen and parser.picture.light == light


async def test_simulator_reads_the_pty(sim: CustomerDisplaySimulator) -> None:
    with open(sim.url, "wb", buffering=0) as port:
        port.write(b"\x1b@" + encode_picture(Picture("4.50", Light.PRICE)))
        await until(lambda: sim.picture == Picture("4.50", Light.PRICE))
    assert sim.history == [Picture("", Light.PRICE), Picture("4.50", Light.PRICE)]
