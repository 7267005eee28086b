"""Complaints at the desk, driven through the terminal: taken down (a missing detail refused by name, nothing
written), flagged overdue after 48 hours on the desk and in the list, then in hand, answered and closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.widgets import Input, Static

from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.desk.complaints import ComplaintsScreen
from station.tui.screens.desk.menu import ManagerDeskScreen
from station.tui.screens.forecourt import OverviewScreen
from tests.conftest import until
from tests.tui.test_desk import login, open_desk, text_of


async def type_in(pilot: Any, app: StationApp, field: str, text: str) -> None:
    widget = app.screen.query_one(f"#{field}", Input)
    await until(lambda: widget.has_focus)
    widget.value = text
    await pilot.press("enter")


async def test_a_complaint_through_its_loop_with_an_overdue_one_flagged(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "1001", "1234")
        desk = await open_desk(pilot, app)
        await pilot.press("k")
        await until(
            lambda: isinstance(app.screen, ComplaintsScreen) and "没有投诉记录" in text_of(app, "#complaint-list")
        )
        await pilot.press("n")
        for field, value in (
            ("c-customer", "王先生"),
            ("c-phone", "139-0000-1234"),
            ("c-plate", "鲁E12345"),
            ("c-category", "1"),
            ("c-content", ""),  # left empty: refused by name
        ):
            await type_in(pilot, app, field, value)
        await type_in(pilot, app, "c-about", "1001")
        await until(lambda: "请填写投诉内容" in text_of(app, "#desk-message"))
        assert ledger.complaints() == []
        app.screen.query_one("#c-content", Input).value = "加气员态度不好"
        app.screen.query_one("#c-about", Input).focus()
        await pilot.press("enter")
        await until(lambda: "已登记" in text_of(app, "#desk-message"))
        [taken] = ledger.complaints()
        assert (taken.customer, taken.plate, taken.about_attendant, taken.state) == (
            "王先生",
            "鲁E12345",
            "1001 李加气",
            "received",
        )
        assert "#1 已受理" in text_of(app, "#complaint-list")

        # 49 hours later, not answered: overdue on the list and on the desk
        later = ledger.now() + dt.timedelta(hours=49)
        ledger._clock = lambda: later
        await pilot.press("escape")
        await until(lambda: app.screen is desk and "1 件投诉已超时未答复" in text_of(app, "#desk-status"))
        await pilot.press("escape")  # the forecourt says it too, under the tiles
        await until(lambda: isinstance(app.screen, OverviewScreen) and "1 件投诉已超时未答复" in text_of(app, "#hint"))
        await pilot.press("f4")
        await until(lambda: isinstance(app.screen, ManagerDeskScreen))
        desk = app.screen
        await pilot.press("k")
        await until(lambda: isinstance(app.screen, ComplaintsScreen) and "超时" in text_of(app, "#complaint-list"))

        # in hand, answered with its words, closed
        await pilot.press("h")
        await until(lambda: "处理中" in text_of(app, "#complaint-list"))
        await pilot.press("a")
        await type_in(pilot, app, "c-answer", "已致歉,加气员已培训")
        await until(lambda: "已答复" in text_of(app, "#complaint-list"))
        assert "超时" not in text_of(app, "#complaint-list")  # answered (late), no longer overdue
        await pilot.press("x")
        await until(lambda: "已结案" in text_of(app, "#complaint-list"))
        [done] = ledger.complaints()
        assert done.state == "closed" and done.answer == "已致歉,加气员已培训" and done.answered_late()
        assert [h[2] for h in done.history] == ["received", "in_hand", "answered", "closed"]
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, ManagerDeskScreen))
        await until(lambda: "超时未答复" not in text_of(app, "#desk-status"))
        assert isinstance(app.screen.query_one("#desk-menu", Static), Static)
