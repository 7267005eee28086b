"""Login and a manager's number + PIN go through station.core.entry: full-width digits are digits, anything not
exactly valid is refused with the field named, in the UI language, and both fields stay reachable."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from station.core.station import StationCore
from station.tui.app import StationApp
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.tui.test_snapshots import make_core


def logged_out(tmp_path: Path) -> StationCore:
    core, _clock = make_core(tmp_path)
    core.actor = None
    return core


async def typed(pilot: object, app: StationApp, selector: str, text: str) -> None:
    await until(lambda: app.screen.query_one(selector, Input).has_focus)
    await pilot.press(*list(text))  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]


def error(app: StationApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_login_with_full_width_digits_from_a_chinese_input_method(tmp_path: Path) -> None:
    core = logged_out(tmp_path)
    app = StationApp(core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, LoginScreen))
        await typed(pilot, app, "#number", "１００１")
        await typed(pilot, app, "#pin", "１２３４")
        await until(lambda: isinstance(app.screen, OverviewScreen))
        assert core.actor is not None and core.actor.number == "1001"


@pytest.mark.parametrize(("lang", "named"), [("zh", "工号"), ("en", "Staff number")])
async def test_login_refuses_a_number_with_a_stray_character_naming_the_field(
    tmp_path: Path, lang: str, named: str
) -> None:
    core = logged_out(tmp_path)
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, LoginScreen))
        await typed(pilot, app, "#number", "10-01")  # never read as 1001 by dropping the dash
        await typed(pilot, app, "#pin", "1234")
        await pilot.pause()
        assert core.actor is None and isinstance(app.screen, LoginScreen)
        assert named in error(app, "#login-error")
        number = app.screen.query_one("#number", Input)
        assert number.value == "10-01" and number.has_focus  # back on the field to correct


async def test_after_a_wrong_pin_both_fields_stay_reachable_with_tab_and_shift_tab(tmp_path: Path) -> None:
    core = logged_out(tmp_path)
    app = StationApp(core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, LoginScreen))
        await typed(pilot, app, "#number", "1001")
        await typed(pilot, app, "#pin", "4321")
        await until(lambda: "Wrong staff number or PIN" in error(app, "#login-error"))
        screen = app.screen
        assert screen.query_one("#pin", Input).has_focus
        await pilot.press("shift+tab")
        await until(lambda: screen.query_one("#number", Input).has_focus)
        await pilot.press("tab")
        await until(lambda: screen.query_one("#pin", Input).has_focus)
        await pilot.press("escape")  # start again: both fields empty, the number first
        await until(lambda: screen.query_one("#number", Input).has_focus)
        assert screen.query_one("#number", Input).value == ""


async def test_manager_box_reads_full_width_and_refuses_a_bad_number_or_pin_in_the_box(tmp_path: Path) -> None:
    core, _clock = make_core(tmp_path)
    app = StationApp(core, language="zh")
    results: list[tuple[str, str, str] | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        app.push_screen(ManagerAuthScreen("气瓶检验过期"), results.append)
        await until(lambda: isinstance(app.screen, ManagerAuthScreen))
        box = app.screen
        await typed(pilot, app, "#mgr-number", "9O01")  # a letter O: a valid shape, checked by the core later
        await typed(pilot, app, "#mgr-pin", "99x9")
        await typed(pilot, app, "#mgr-reason", "复检报告已看")
        await pilot.pause()
        assert "站长密码" in error(app, "#mgr-error") and not results
        assert box.query_one("#mgr-pin", Input).has_focus
        await pilot.press("shift+tab")  # the number is still reachable, to correct it
        await until(lambda: box.query_one("#mgr-number", Input).has_focus)
        box.query_one("#mgr-number", Input).value = ""
        await pilot.press(*"９００１")
        await pilot.press("tab")
        await until(lambda: box.query_one("#mgr-pin", Input).has_focus)
        await pilot.press(*"９９９９", "enter")
        await until(lambda: box.query_one("#mgr-reason", Input).has_focus)
        await pilot.press("enter")
        await until(lambda: bool(results))
    assert results == [("9001", "9999", "复检报告已看")]


async def test_manager_box_names_the_number_field_in_english(tmp_path: Path) -> None:
    core, _clock = make_core(tmp_path)
    app = StationApp(core, language="en")
    results: list[tuple[str, str, str] | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        app.push_screen(ManagerAuthScreen("Cylinder inspection overdue"), results.append)
        await until(lambda: isinstance(app.screen, ManagerAuthScreen))
        await typed(pilot, app, "#mgr-number", "90 01")
        await typed(pilot, app, "#mgr-pin", "9999")
        await typed(pilot, app, "#mgr-reason", "seen the report")
        await pilot.pause()
        assert "Manager number: 1 to 16 letters or digits" in error(app, "#mgr-error")
        assert app.screen.query_one("#mgr-number", Input).has_focus and not results
