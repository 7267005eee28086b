"""``station run`` paints the login screen before the station is open (issue 12: the first frame): the app is
given an opener, types are taken meanwhile, and the login completes once the core arrives; a failure to open
ends the app with code 2 and the failure for the CLI to tell."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from textual import events
from textual.widgets import Input

from station.config import ConfigError
from station.core.station import StationCore
from station.runtime import StationRuntime
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.tui.test_fill_pilot import focused, text_of, type_and_enter
from tests.tui.test_no_secrets_in_errors import runtime  # noqa: F401  (the fixture: a seeded station, no bus)


async def test_the_login_is_typed_before_the_core_and_completes_when_it_arrives(runtime: StationRuntime) -> None:  # noqa: F811
    release = threading.Event()
    opened: list[StationCore] = []

    async def opener() -> tuple[StationCore, Any]:
        await asyncio.to_thread(release.wait, 30)  # the station opening in its thread, slowly
        core = StationCore(runtime.ledger, runtime.settings)
        await core.start()
        opened.append(core)
        return core, None

    app = StationApp(opener=opener, language="zh")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: isinstance(app.screen, LoginScreen))
            await focused(app, "#number")
            assert not app.core_ready
            await type_and_enter(pilot, "1001")
            await type_and_enter(pilot, "1234")
            await until(lambda: "正在启动" in text_of(app, "#login-hint"))
            # the number stays where it was typed, the PIN is not left in its field, nothing refused
            assert app.screen.query_one("#number", Input).value == "1001"
            assert app.screen.query_one("#pin", Input).value == ""
            assert text_of(app, "#login-error") == ""
            await pilot.press("f9")  # nothing connected yet: no traceback, the app stays up
            assert isinstance(app.screen, LoginScreen)
            release.set()
            await until(lambda: isinstance(app.screen, OverviewScreen))
            assert app.core.actor is not None and app.core.actor.number == "1001"
    finally:
        release.set()
        for core in opened:
            await core.stop()


async def test_a_station_that_cannot_open_ends_the_app_with_code_2() -> None:
    async def opener() -> tuple[StationCore, Any]:
        raise ConfigError("station.toml: 1 wrong value(s)")

    app = StationApp(opener=opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: not app.is_running)
        await pilot.pause()
    assert app.return_code == 2
    assert isinstance(app.open_failure, ConfigError)
    assert "wrong value" in str(app.open_failure)


def test_an_app_has_a_core_or_an_opener() -> None:
    with pytest.raises(TypeError):
        StationApp()


async def test_a_burst_typed_ahead_puts_the_pin_in_its_field_never_in_the_number(runtime: StationRuntime) -> None:  # noqa: F811
    """Keys queued while the terminal was busy arrive at once: the PIN after the number's Enter still goes to
    the PIN field (not, in clear, into the number field) and the login goes through."""
    core = StationCore(runtime.ledger, runtime.settings)
    await core.start()
    try:
        app = StationApp(core, language="zh")
        async with app.run_test(size=(80, 24)):
            await until(lambda: isinstance(app.screen, LoginScreen))
            await focused(app, "#number")
            for key in [*"1001", "enter", *"1234", "enter"]:  # all posted before any is handled
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            await until(lambda: isinstance(app.screen, OverviewScreen))
            assert core.actor is not None and core.actor.number == "1001"
    finally:
        await core.stop()
