"""The customer display (客显): the bytes, and the driver writing to the simulator over a real pty."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.config import Devices
from station.devices.customer_display import (
    CustomerDisplay,
    NullCustomerDisplay,
    customer_display_from_config,
)
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
HOLD = 0.3  # how long the fixture's display holds the amount received before the change replaces it


@pytest.fixture(params=["pty", "tcp"])
async def sim(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CustomerDisplaySimulator]:
    link = tmp_path / "ttyDISPLAY" if request.param == "pty" else None
    simulator = CustomerDisplaySimulator(mode=request.param, link_path=link)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def display(sim: CustomerDisplaySimulator) -> AsyncIterator[CustomerDisplay]:
    driver = CustomerDisplay(
        sim.url, reconnect_interval=0.05, refresh_interval=0.2, write_timeout=1.0, received_hold=HOLD
    )
    await driver.start()
    yield driver
    await driver.stop()


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


async def test_simulator_reads_the_pty() -> None:
    sim = CustomerDisplaySimulator()
    await sim.start()
    try:
        with open(sim.url, "wb", buffering=0) as port:
            port.write(b"\x1b@" + encode_picture(Picture("4.50", Light.PRICE)))
            await until(lambda: sim.picture == Picture("4.50", Light.PRICE))
        assert sim.history == [Picture("", Light.PRICE), Picture("4.50", Light.PRICE)]
    finally:
        await sim.stop()


# --- the driver on the wire --------------------------------------------------------------------------------

SHOWS = [
    ("show_amount", 4567, Picture("45.67", Light.TOTAL)),
    ("show_due", 12000, Picture("120.00", Light.TOTAL)),
    ("show_received", 20000, Picture("200.00", Light.COLLECT)),
    ("show_change", 8000, Picture("80.00", Light.CHANGE)),
    ("show_balance", 35050, Picture("350.50", Light.OFF)),
    ("show_price", 450, Picture("4.50", Light.PRICE)),
]


@pytest.mark.parametrize(("method", "fen", "expected"), SHOWS)
async def test_each_call_shows_its_digits_and_light(
    sim: CustomerDisplaySimulator, display: CustomerDisplay, method: str, fen: int, expected: Picture
) -> None:
    await getattr(display, method)(fen)
    await until(lambda: sim.picture == expected)
    assert display.healthy and await display.wait_shown(WAIT)
    await display.clear()
    await until(lambda: sim.picture == Picture())


async def test_a_cash_sale_as_the_driver_sees_it(sim: CustomerDisplaySimulator, display: CustomerDisplay) -> None:
    for fen in (0, 450, 9000, 11790):
        await display.show_amount(fen)
        await until(lambda fen=fen: sim.picture.fen() == fen)
    for call, fen, light in (
        (display.show_due, 11790, Light.TOTAL),
        (display.show_received, 20000, Light.COLLECT),
        (display.show_change, 8210, Light.CHANGE),
    ):
        await call(fen)
        await until(lambda fen=fen, light=light: sim.picture == Picture.amount(fen, light))
    assert sim.parser.broken == 0 and sim.parser.ignored == 0


async def test_received_stays_up_before_the_change(sim: CustomerDisplaySimulator, display: CustomerDisplay) -> None:
    loop = asyncio.get_running_loop()
    seen: dict[Picture, float] = {}
    sim.on_change = lambda picture: seen.setdefault(picture, loop.time())
    received, change = Picture("200.00", Light.COLLECT), Picture("82.10", Light.CHANGE)
    # The core settles cash in one go: both calls come back to back.
    await display.show_received(20000)
    await display.show_change(8210)
    await until(lambda: sim.picture == change)
    assert received in sim.history
    assert seen[change] - seen[received] >= HOLD * 0.9
    # Only the amount received is held: the next pictures follow at once.
    await display.show_amount(100)
    await display.show_due(200)
    await until(lambda: sim.picture.fen() == 200)


async def test_overflow_is_shown_as_dashes(sim: CustomerDisplaySimulator, display: CustomerDisplay) -> None:
    await display.show_amount(MAX_FEN + 1)
    await until(lambda: sim.picture == Picture(OVERFLOW_DIGITS, Light.TOTAL))
    assert sim.picture.fen() is None and display.healthy
    await display.show_amount(MAX_FEN)
    await until(lambda: sim.picture == Picture("999999.99", Light.TOTAL))


async def test_many_calls_do_not_queue(sim: CustomerDisplaySimulator, display: CustomerDisplay) -> None:
    await until(lambda: display.healthy)
    for fen in range(10_000):
        await display.show_amount(fen)
    await until(lambda: sim.picture.fen() == 9_999)
    # Only the latest picture goes out: nowhere near 10 000 pictures' worth of bytes at 2400 baud.
    assert len(sim.received) < 100 * len(encode_picture(Picture.amount(9_999, Light.TOTAL)))


async def test_unplugged_never_raises_and_comes_back_with_the_latest(
    sim: CustomerDisplaySimulator, display: CustomerDisplay
) -> None:
    await display.show_due(5000)
    await until(lambda: sim.picture.fen() == 5000)
    await sim.disconnect()
    await until(lambda: not display.healthy)
    for fen in range(200):  # the fill goes on while the cable is out
        await display.show_received(fen)
    await asyncio.sleep(0.2)
    assert not display.healthy and display.last_error
    seen = len(sim.history)
    await sim.reconnect()
    await until(lambda: sim.picture == Picture("1.99", Light.COLLECT))
    assert display.healthy and display.last_error is None
    # No backlog replayed: none of the amounts asked for while unplugged but the latest reached the display.
    shown_since = {picture.fen() for picture in sim.history[seen:]}
    assert shown_since <= {None, 5000, 199}


async def test_absent_port_at_start_then_plugged_in(tmp_path: Path) -> None:
    path = tmp_path / "ttyLATE"
    display = CustomerDisplay(str(path), reconnect_interval=0.05)
    await display.start()
    try:
        await display.show_price(450)
        await until(lambda: display.last_error is not None)
        assert not display.healthy and "cannot open" in (display.last_error or "")
        sim = CustomerDisplaySimulator(link_path=path)
        await sim.start()
        try:
            await until(lambda: sim.picture == Picture("4.50", Light.PRICE))
            assert display.healthy
        finally:
            await sim.stop()
    finally:
        await display.stop()


async def test_a_power_cycled_display_gets_its_picture_back(
    sim: CustomerDisplaySimulator, display: CustomerDisplay
) -> None:
    await display.show_amount(3000)
    await until(lambda: sim.picture.fen() == 3000)
    sim.power_cycle()
    assert sim.picture == Picture()
    await until(lambda: sim.picture.fen() == 3000)  # the periodic refresh


async def test_no_port_configured_gives_a_display_that_does_nothing(sim: CustomerDisplaySimulator) -> None:
    absent = customer_display_from_config(Devices())
    assert isinstance(absent, NullCustomerDisplay)
    await absent.start()
    await absent.show_amount(100)
    await absent.clear()
    await absent.stop()
    assert absent.healthy
    present = customer_display_from_config(Devices(customer_display=sim.url, customer_display_baud=9600))
    assert isinstance(present, CustomerDisplay) and present.baudrate == 9600


@settings(max_examples=25)
@given(st.lists(st.integers(0, MAX_FEN), min_size=1, max_size=5))
def test_any_amount_round_trips_through_the_simulator(amounts: list[int]) -> None:
    async def run() -> None:
        sim = CustomerDisplaySimulator()
        await sim.start()
        display = CustomerDisplay(sim.url, reconnect_interval=0.05)
        await display.start()
        try:
            for fen in amounts:
                await display.show_amount(fen)
                assert await display.wait_shown(WAIT)
                await until(lambda fen=fen: sim.picture.fen() == fen)
        finally:
            await display.stop()
            await sim.stop()

    asyncio.run(run())


def test_simulator_runs_on_its_own(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "station.devices.customer_display_sim"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        assert port.startswith("/dev/")
        assert proc.stdout.readline().startswith("[         ]")

        async def show() -> None:
            display = CustomerDisplay(port)
            await display.start()
            await display.show_change(850)
            assert await display.wait_shown(WAIT)
            await display.stop()

        asyncio.run(show())
        # The simulator prints each picture as it reads it; a watchdog ends the wait if it never comes.
        watchdog = threading.Timer(WAIT, proc.kill)
        watchdog.start()
        lines = []
        while line := proc.stdout.readline():
            lines.append(line)
            if line.startswith("[     8.50]") and "●找零/CHANGE" in line:
                break
        watchdog.cancel()
        assert lines and lines[-1].startswith("[     8.50]"), lines
    finally:
        proc.terminate()
        proc.wait(WAIT)
