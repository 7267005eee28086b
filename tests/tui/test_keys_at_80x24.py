"""At 80×24 every screen shows a way on and a way back: toasts off the message line, keys in every modal,
a footer that shows the keys that work while typing and fits 80 columns (issue "testers' findings")."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

import station.tui
from station.core.sequence import PaymentKind
from station.core.station import StationCore
from station.tui.app import StationApp
from station.tui.modals.abort import AbortScreen
from station.tui.modals.day_close import DayCloseConfirmScreen
from station.tui.modals.leak_lock import LeakLockClearScreen
from station.tui.modals.leave import LeaveConfirmScreen
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.modals.sim_panel import SimPanelScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from station.tui.screens.sequence import SequenceScreen
from station.tui.screens.unloading.prompts import MeasuredStockScreen, PromptScreen, ReasonScreen
from station.tui.widgets.footer import StationFooter
from tests.conftest import until
from tests.tui.screen_text import screen_rows, screen_text
from tests.tui.test_snapshots import LANE, make_core, walk

LANGS = ["zh", "en"]


# ------------------------------------------------------------------------------------------- toasts


@pytest.mark.parametrize("lang", LANGS)
async def test_a_toast_does_not_cover_the_overview_message_line(tmp_path: Path, lang: str) -> None:
    core, _clock = make_core(tmp_path)
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        screen.show_message("the nozzle has an unpaid fill: settle it first (S)")
        app.notify("Emergency stop sent to 1/* and a second line of words to make the toast tall", timeout=30)
        await until(lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        message = screen.query_one("#message", Static).region
        hint = screen.query_one("#hint", Static).region
        toasts = [toast.region for toast in app.screen.query(Toast)]
        assert toasts
        for region in toasts:
            assert not region.overlaps(message), (region, message)
            assert not region.overlaps(hint), (region, hint)
        assert any("settle it first" in row for row in screen_rows(app))


async def test_a_toast_does_not_cover_the_sequence_message_line(tmp_path: Path) -> None:
    core, clock = make_core(tmp_path)
    await walk(core, clock, "safety")
    app = StationApp(core, language="en")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        screen = SequenceScreen(LANE)
        await app.push_screen(screen)
        await pilot.pause()
        screen.show_message("Not a plate: a province character, a letter and 5 letters or digits")
        app.notify("Dispenser link down: /dev/ttyUSB0 (no such device)", severity="error", timeout=30)
        await until(lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        message = screen.query_one("#seq-message", Static).region
        for toast in app.screen.query(Toast):
            assert not toast.region.overlaps(message), (toast.region, message)


# ------------------------------------------------------------------------------------------- modals


def modal_cases() -> dict[type[ModalScreen[Any]], Callable[[], ModalScreen[Any]]]:
    return {
        ManagerAuthScreen: lambda: ManagerAuthScreen("气瓶检验过期"),
        AbortScreen: AbortScreen,
        SimPanelScreen: lambda: SimPanelScreen(LANE),
        LeaveConfirmScreen: lambda: LeaveConfirmScreen("quit"),
        ReasonScreen: ReasonScreen,
        MeasuredStockScreen: MeasuredStockScreen,
        PromptScreen: lambda: PromptScreen("unload.measure_title", "unload.measure_field"),
        DayCloseConfirmScreen: lambda: DayCloseConfirmScreen(dt.date(2026, 11, 21)),
        LeakLockClearScreen: lambda: LeakLockClearScreen(LANE),
    }


def every_modal_class() -> set[type[ModalScreen[Any]]]:
    for module in pkgutil.walk_packages(station.tui.__path__, "station.tui."):  # screens/, modals/, widgets/ too
        importlib.import_module(module.name)
    found: set[type[ModalScreen[Any]]] = set()
    todo: list[type[Any]] = [ModalScreen]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("station.tui"):
                found.add(sub)
    return found


def test_every_modal_of_the_terminal_is_checked_below() -> None:
    assert every_modal_class() <= set(modal_cases()), every_modal_class() - set(modal_cases())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("modal", sorted(modal_cases(), key=lambda c: c.__name__), ids=lambda c: c.__name__)
async def test_every_modal_shows_its_keys_inside_the_box(
    tmp_path: Path, lang: str, modal: type[ModalScreen[Any]]
) -> None:
    core, _clock = make_core(tmp_path)
    await core.start_sequence(LANE)  # something open, so the leave box has a line to name
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await app.push_screen(modal_cases()[modal]())
        await pilot.pause()
        text = screen_text(app)
        assert "Esc " in text, text  # the way back, with its word
        assert "⏎" in text or "1–" in text or "1-4" in text, text  # and the way on


# ------------------------------------------------------------------------------------------- footer


def footer_keys(app: StationApp) -> list[FooterKey]:
    return list(app.screen.query_one(StationFooter).query(FooterKey))


@pytest.mark.parametrize("lang", LANGS)
async def test_while_typing_the_login_footer_shows_enter_tab_esc_and_the_f_keys(tmp_path: Path, lang: str) -> None:
    core, _clock = make_core(tmp_path)
    core.actor = None
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, LoginScreen))
        # The footer recomposes after the focus settles; under load that is more than one pause away.
        await until(lambda: "escape" in [k.key for k in footer_keys(app)])
        await pilot.pause()
        keys = [k.key for k in footer_keys(app)]
        assert keys[:2] == ["enter", "tab"]
        assert "escape" in keys and "f9" in keys and "f2" in keys
        rows = screen_rows(app)
        assert "⏎" in rows[-1] and "Esc" in rows[-1] and "F9" in rows[-1]


async def test_while_typing_a_plate_the_footer_drops_letter_keys_and_keeps_the_way_on_and_back(
    tmp_path: Path,
) -> None:
    core, clock = make_core(tmp_path)
    await walk(core, clock, "safety")
    await core.confirm_safety_item(LANE)
    await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, PaymentKind.CASH)  # step 5: the plate field has the focus
    app = StationApp(core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await app.push_screen(SequenceScreen(LANE))
        await until(lambda: app.screen.focused is not None)
        await until(lambda: "escape" in [k.key for k in footer_keys(app)])
        await pilot.pause()
        keys = [k.key for k in footer_keys(app)]
        assert keys[0] == "enter" and "escape" in keys and "f8" in keys
        assert not [k for k in keys if len(k) == 1]


async def _screens(core: StationCore, app: StationApp, pilot: Any) -> list[tuple[str, Screen[Any]]]:
    from station.tui.screens.cards import CardServicesScreen
    from station.tui.screens.desk.callbacks import CallbacksScreen
    from station.tui.screens.desk.charts import ChartsScreen
    from station.tui.screens.desk.menu import ManagerDeskScreen
    from station.tui.screens.desk.reports import ReportsScreen
    from station.tui.screens.settle_unpaid import SettleUnpaidScreen
    from station.tui.screens.unloading.search import UnloadingListScreen
    from station.tui.screens.unloading.visit import UnloadingScreen

    manager = core.ledger.authenticate("9001", "9999")
    return [
        ("reports", ReportsScreen(manager)),
        ("desk", ManagerDeskScreen()),
        ("callbacks", CallbacksScreen()),
        ("charts", ChartsScreen()),
        ("unloading", UnloadingScreen()),
        ("unloading search", UnloadingListScreen()),
        ("cards", CardServicesScreen()),
        ("sequence", SequenceScreen(LANE)),
        ("settle unpaid", SettleUnpaidScreen(LANE)),
    ]


@pytest.mark.parametrize("lang", LANGS)
async def test_every_screen_footer_fits_80_columns_whole_key_by_whole_key_with_esc(tmp_path: Path, lang: str) -> None:
    core, clock = make_core(tmp_path)
    await walk(core, clock, "safety")
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.pause()
        overview = app.screen
        assert overview.query_one("#hint", Static).region.height == 1  # the forecourt hint does not wrap
        for name, screen in await _screens(core, app, pilot):
            await app.push_screen(screen)
            await pilot.pause(0.2)
            footer = app.screen.query_one(StationFooter)
            await until(lambda f=footer: f.region.height > 0 and bool(footer_keys(app)))
            await pilot.pause()
            shown = footer.shown_keys()
            keys = footer_keys(app)
            assert [k.key for k in keys] == [s.key for s in shown], name  # none left out
            assert all(k.region.right <= 80 for k in keys), name
            assert "escape" in [k.key for k in keys], name
            bottom = "\n".join(screen_rows(app)[footer.region.y : footer.region.bottom])
            for key in shown:
                assert f"{key.display} {key.description}" in bottom, (name, key, bottom)
            app.pop_screen()
            await pilot.pause()
