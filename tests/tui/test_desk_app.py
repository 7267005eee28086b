"""The desk-only terminal (``station desk serve``'s sessions) through Textual's pilot: a manager's login lands on the
desk, a report opens and Esc comes back; an attendant's login and a wrong PIN are refused; the forecourt is not
there (Esc says so, F9 and F6 do nothing) and neither are prices (P says where they are); card services take a typed number and say there is no reader.

The core is the one the CLI builds for the served desk (``build_desk_core``: the ledger alone, no device), on a
seeded SQLite ledger.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Static

from station.cli.desk import build_desk_core
from station.config import STATION_TZ
from station.core.station import StationCore
from station.runtime import open_station
from station.seed import seed_demo
from station.tui.desk_app import DeskApp
from station.tui.screens.cards import CardServicesScreen
from station.tui.screens.desk.reports import ReportsScreen
from station.tui.screens.desk.served import ServedDeskScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.tui.screen_text import screen_text


@pytest.fixture
async def desk_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StationCore]:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    url = f"sqlite:///{tmp_path / 'station.db'}"
    seeding = open_station(url)
    seed_demo(seeding.ledger)
    seeding.close()
    runtime, core = build_desk_core(url, None)
    try:
        yield core
    finally:
        runtime.close()


def text_of(app: DeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def log_in(pilot: Any, number: str, pin: str) -> None:
    assert isinstance(pilot.app.screen, LoginScreen)
    await pilot.press(*number, "enter", *pin, "enter")


async def test_a_manager_lands_on_the_desk_opens_a_report_and_comes_back(desk_core: StationCore) -> None:
    app = DeskApp(desk_core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Manager login" in screen_text(app)
        await log_in(pilot, "9001", "9999")
        await until(lambda: isinstance(app.screen, ServedDeskScreen))
        desk = app.screen
        await until(lambda: "drawer" in text_of(app, "#desk-status"))
        menu = text_of(app, "#desk-menu")
        assert "F3" in menu and "Ctrl+L" in menu and "Esc" not in menu
        await pilot.press("t", "2")  # reports, then the day's
        await until(lambda: isinstance(app.screen, ReportsScreen))
        today = desk_core.ledger.now().astimezone(STATION_TZ).date().isoformat()
        await until(lambda: today in text_of(app, "#report"))
        assert "Business date" in text_of(app, "#report")
        await pilot.press("escape")
        await until(lambda: app.screen is desk)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["ServedDeskScreen"]


@pytest.mark.parametrize(("number", "pin"), [("1001", "1234"), ("9001", "1111")])
async def test_an_attendant_or_a_wrong_pin_is_refused(desk_core: StationCore, number: str, pin: str) -> None:
    app = DeskApp(desk_core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, number, pin)
        refused = "managers only" if number == "1001" else "wrong staff number or pin"
        await until(lambda: refused in text_of(app, "#login-error").lower())
        assert isinstance(app.screen, LoginScreen)
        assert desk_core.actor is None


async def test_a_pin_typed_ahead_in_a_burst_keeps_every_digit(desk_core: StationCore) -> None:
    """A browser's keys reach the terminal in bursts: PIN digits typed before the PIN field has the focus are
    handed to it by the number field, and the digit typed after it has the focus adds to them (a selection made
    on focus would have replaced them: the PIN "9999" arrived as "9")."""
    app = DeskApp(desk_core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        number = app.screen.query_one("#number")
        for key in ("9", "0", "0", "1", "enter", "9", "9", "9"):  # in the number field's queue at once
            number.post_message(events.Key(key, key if len(key) == 1 else None))
        await until(lambda: app.screen.focused is not None and app.screen.focused.id == "pin")
        await pilot.press("9", "enter")
        await until(lambda: isinstance(app.screen, ServedDeskScreen))
        assert desk_core.actor is not None and desk_core.actor.number == "9001"


async def test_the_forecourt_is_not_there(desk_core: StationCore) -> None:
    app = DeskApp(desk_core, language="en")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in(pilot, "9001", "9999")
        await until(lambda: isinstance(app.screen, ServedDeskScreen))
        desk = app.screen
        await pilot.press("escape")  # the forecourt's way back at the kiosk
        await until(lambda: "not served here" in text_of(app, "#desk-message"))
        await pilot.press("f9", "f6", "f12")
        await pilot.pause()
        assert app.screen is desk and len(app.screen_stack) == 2
        assert "E-STOP" not in screen_text(app)
        await pilot.press("p")  # prices go to the dispensers at once: only the kiosk has them
        await until(lambda: "kiosk terminal (F4" in text_of(app, "#desk-message"))
        assert app.screen is desk and "Prices" not in text_of(app, "#desk-menu")
        await pilot.press("m")  # refunds go back through the providers: their keys are the kiosk's
        await until(lambda: "Mobile refunds are made at the kiosk" in text_of(app, "#desk-message"))
        assert app.screen is desk and "Mobile payments" not in text_of(app, "#desk-menu")


async def test_card_services_take_a_typed_number_and_say_there_is_no_reader(desk_core: StationCore) -> None:
    app = DeskApp(desk_core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "9001", "9999")
        await until(lambda: isinstance(app.screen, ServedDeskScreen))
        await pilot.press("f3")
        await until(lambda: isinstance(app.screen, CardServicesScreen))
        cards = app.screen
        assert isinstance(cards, CardServicesScreen)
        assert "No card reader in the browser" in text_of(app, "#lookup-hint")
        assert "Type its number" in text_of(app, "#card-panel")
        await pilot.press(*"88000001", "enter")
        await until(lambda: cards.card is not None and not cards.busy)
        assert "张师傅" in text_of(app, "#card-panel")
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, ServedDeskScreen))


async def test_the_login_of_the_served_desk_logs_out_to_the_login(desk_core: StationCore) -> None:
    app = DeskApp(desk_core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "9001", "9999")
        await until(lambda: isinstance(app.screen, ServedDeskScreen))
        await pilot.press("ctrl+l")
        await until(lambda: isinstance(app.screen, LoginScreen))
        assert desk_core.actor is None
        assert "站长登录" in screen_text(app)


def test_serve_refuses_a_database_that_is_not_there(tmp_path: Path) -> None:
    """Told once, at the command, not in every browser: only station db upgrade makes a database."""
    missing = tmp_path / "missing.db"
    command = [sys.executable, "-m", "station.cli", "desk", "serve", "--db", f"sqlite:///{missing}", "--port", "9"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert f"no database at {missing}" in result.stderr
    assert not missing.exists()
