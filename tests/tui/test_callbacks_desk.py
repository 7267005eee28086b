"""Callbacks at the desk, driven through the terminal: the manager draws today's list (B, then D), opens the
call (⏎) with the phone phrases shown, a score out of range is refused by name and writes nothing, then the
call is recorded and a fair answer flagged for follow-up; Esc goes back to the desk, whose reports show the
month's satisfaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.widgets import Input

from station.ledger.shifts.values import business_date_of
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.desk.callbacks import CallbacksScreen
from station.tui.screens.desk.menu import ManagerDeskScreen
from tests.conftest import until
from tests.ledger.helpers import record
from tests.tui.test_desk import login, open_desk, text_of
from tests.tui.test_keys_at_80x24 import footer_keys


async def type_in(pilot: Any, app: StationApp, field: str, text: str) -> None:
    widget = app.screen.query_one(f"#{field}", Input)
    await until(lambda: widget.has_focus)
    widget.value = text
    await pilot.press("enter")


async def test_a_callback_drawn_and_scored_at_the_desk(forecourt: SimulatedForecourt) -> None:
    core = forecourt.core
    ledger = core.ledger
    attendant = ledger.authenticate("1001", "1234")
    fill = ledger.record_fill(record(900_001, 1000, when=ledger.now()), attendant=attendant)
    ledger.settle_card(attendant, fill.id, "88000001")
    later = ledger.now() + dt.timedelta(days=1)  # the next day's list takes yesterday's card sales
    ledger._clock = lambda: later
    app = StationApp(core, sim=forecourt, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        desk = await open_desk(pilot, app)
        await pilot.press("b")
        await until(lambda: isinstance(app.screen, CallbacksScreen) and "尚未抽取" in text_of(app, "#callback-list"))
        # the footer shows the way on and back
        await until(lambda: {"d", "enter", "u", "escape"} <= {k.key for k in footer_keys(app)})
        await pilot.press("d")
        await until(lambda: "已抽取今日回访 1 个" in text_of(app, "#desk-message"))
        await until(
            lambda: "#1 待回访" in text_of(app, "#callback-list") and "1001 李加气" in text_of(app, "#callback-list")
        )
        await pilot.press("d")  # a second draw the same day is refused
        await until(lambda: "不能重抽" in text_of(app, "#desk-message"))

        await pilot.press("enter")
        await until(lambda: "想对您做一下回访" in text_of(app, "#callback-detail"))
        for field, value in (("cb-attitude", "11"), ("cb-ability", "8"), ("cb-environment", "1"), ("cb-speed", "2")):
            await type_in(pilot, app, field, value)
        await type_in(pilot, app, "cb-note", "加气有点慢")
        await until(lambda: "服务态度请输入 1 到 10 的整数分" in text_of(app, "#desk-message"))
        [pending] = ledger.callbacks(business_date_of(later))
        assert pending.state == "pending"
        app.screen.query_one("#cb-attitude", Input).value = "9"
        app.screen.query_one("#cb-note", Input).focus()
        await pilot.press("enter")
        await until(lambda: "回访 #1:已回访" in text_of(app, "#desk-message"))
        await until(lambda: "需跟进" in text_of(app, "#callback-list"))
        [done] = ledger.callbacks(business_date_of(later))
        assert (done.state, done.attitude, done.ability, done.environment, done.speed) == (
            "done",
            9,
            8,
            "satisfied",
            "fair",
        )
        assert done.follow_up and done.note == "加气有点慢" and done.recorded_by == "9001 王站长"
        assert "态度 9 能力 8" in text_of(app, "#callback-list")
        await pilot.press("escape")
        await until(lambda: app.screen is desk and isinstance(app.screen, ManagerDeskScreen))
        await pilot.press("t", "6")  # the month's satisfaction among the reports
        await until(lambda: "服务满意度月报" in text_of(app, "#report") and "投诉答复时效" in text_of(app, "#report"))
