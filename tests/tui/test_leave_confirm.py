"""Ctrl+Q and Ctrl+L ask first while work is open (a sequence, an unpaid fill), naming it; ⏎ leaves, Esc stays.

With nothing open they act at once; quitting works with the dispenser link down too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from station.core.station import StationCore
from station.tui.app import StationApp
from station.tui.modals.leave import LeaveConfirmScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.tui.test_link_down import core_on  # noqa: F401  (the fixture: a core whose dispenser port refuses)
from tests.tui.test_snapshots import LANE, make_core, record


def screen_text(app: StationApp) -> str:
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_quit_during_a_sequence_names_it_and_esc_keeps_the_terminal(tmp_path: Path) -> None:
    core, _clock = make_core(tmp_path)
    await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    app = StationApp(core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("ctrl+q")
        await until(lambda: isinstance(app.screen, LeaveConfirmScreen))
        await pilot.pause()
        text = screen_text(app)
        assert "1号机 1号枪" in text and "2 安全检查" in text
        # Nothing of it is in the ledger yet: the dialog says it starts again, not that it is kept.
        assert "尚未授权,重启后需从头开始" in text and "尚未授权的流程需重新开始" in text
        assert "重新登录后可继续" not in text
        assert "⏎ 退出" in text and "Esc 返回" in text
        assert not app._exit
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, OverviewScreen))
        assert not app._exit and core.lane(LANE).sequence is not None
        await pilot.press("ctrl+q")
        await until(lambda: isinstance(app.screen, LeaveConfirmScreen))
        await pilot.press("enter")
        await until(lambda: app._exit)


async def test_logout_with_an_unpaid_fill_asks_first_in_english(tmp_path: Path) -> None:
    core, _clock = make_core(tmp_path)
    record(core, 7, 2000, nozzle=2)
    await core._reload_unpaid(core.lane((1, 2)))
    app = StationApp(core, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("ctrl+l")
        await until(lambda: isinstance(app.screen, LeaveConfirmScreen))
        await pilot.pause()
        text = screen_text(app)
        assert "Disp. 1 nozzle 2: unpaid 1, ¥90.00" in text
        assert "⏎ log out" in text and "Esc back" in text
        assert core.actor is not None
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, LoginScreen))
        assert core.actor is None


async def test_with_nothing_open_logout_and_quit_act_at_once(tmp_path: Path) -> None:
    core, _clock = make_core(tmp_path)
    app = StationApp(core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("ctrl+l")
        await until(lambda: isinstance(app.screen, LoginScreen))
        assert core.actor is None
        await pilot.press("ctrl+q")
        await until(lambda: app._exit)


@pytest.mark.parametrize("core_on", ["refused"], indirect=True)
async def test_quit_asks_and_still_quits_with_the_dispenser_link_down(core_on: StationCore) -> None:  # noqa: F811
    core = core_on
    await core.login("1001", "1234")
    await core.start_sequence(LANE)
    app = StationApp(core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("ctrl+q")
        await until(lambda: isinstance(app.screen, LeaveConfirmScreen))
        await pilot.press("enter")
        await until(lambda: app._exit)
