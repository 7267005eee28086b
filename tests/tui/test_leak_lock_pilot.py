"""A leak mid-fill through the terminal at 80×24: the sequence screen explains, the tile stays locked, a new
sequence is refused with what to do, and a manager clears the lock from the forecourt (U)."""

from __future__ import annotations

from textual.widgets import Input

from station.core.sequence import Step
from station.ledger.locks import LOCK_CLEARED
from station.ledger.models import FillStatus
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.modals.leak_lock import LeakLockClearScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.sequence import SequenceScreen
from tests.conftest import until
from tests.core.test_leak_lock import audit_of
from tests.tui.test_fill_pilot import LANE, focused, text_of, to_vehicle_step, type_and_enter


def on_screen(app: StationApp) -> str:
    """The text the terminal shows now (what a person sees, clipped as the screen clips it)."""
    svg = app.export_screenshot()
    return svg.replace("&#160;", " ").replace("\xa0", " ")


async def test_leak_mid_fill_at_80x24(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_vehicle_step(pilot, app, rig, "c")
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁E22222")
        seq = core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.CONNECT)
        await pilot.press("enter", "enter")  # nozzle connected (the demo forecourt lifts it), valves open
        await until(lambda: seq.residual_centi_mpa is not None)  # read from the dispenser with the valves' key
        await pilot.press("enter")  # no leak (yet)
        await until(lambda: seq.step is Step.AUTHORIZE)
        await pilot.press("a")
        await focused(app, "#preset")
        await type_and_enter(pilot, "300")
        await until(lambda: core.lane(LANE).quantity > 0)

        rig.leak(*LANE)  # the dispenser's leak alarm mid-fill
        await until(lambda: seq.step is Step.ABORTED and seq.fill_id is not None)
        await pilot.pause()
        assert isinstance(app.screen, SequenceScreen)
        do = text_of(app, "#do")
        assert "泄漏报警 — 加气已停止" in do and "关闭加气枪阀门和气瓶阀门" in do and "报告站长" in do
        assert "记为未付" in do and "回车或 Esc 返回总览" in do
        assert "发现泄漏" in text_of(app, "#say")
        shown = on_screen(app)
        assert "关闭加气枪阀门和气瓶阀门" in shown and "回车或 Esc 返回总览" in shown  # not cut at 80×24
        assert [f.status for f in core.lane(LANE).unpaid] == [FillStatus.UNPAID]

        await pilot.press("enter")  # the way on: back to the forecourt
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.pause()
        assert "漏气锁定" in text_of(app, "#lane-1-1")
        assert "漏气锁定" in on_screen(app)  # the warning line is on screen, not clipped below the figures
        assert "LEAK" not in text_of(app, "#lane-1-1")  # the alarm is said in words, not its code

        await pilot.press("enter")  # a new sequence on the locked nozzle
        await pilot.pause()
        message = text_of(app, "#message")
        assert "泄漏报警未解除" in message and "站长" in message
        assert core.lane(LANE).sequence is None  # nothing started

        # The manager clears it from the forecourt: U, number, PIN and a note.
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, LeakLockClearScreen))
        await pilot.pause()
        modal = on_screen(app)
        assert "⏎" in modal and "Esc" in modal
        await focused(app, "#lock-number")
        await type_and_enter(pilot, "9001")
        await type_and_enter(pilot, "9999")
        await pilot.press("enter")  # no note
        await pilot.pause()
        assert "请填写检查处理情况" in text_of(app, "#lock-error")
        assert core.lane(LANE).leak_locked
        app.screen.query_one("#lock-number", Input).value = "1001"  # an attendant tries
        app.screen.query_one("#lock-pin", Input).value = "1234"
        await focused(app, "#lock-note")
        await type_and_enter(pilot, "接头已紧固,检漏合格")
        await pilot.pause()
        assert "只有站长可以操作" in text_of(app, "#lock-error")
        assert core.lane(LANE).leak_locked and app.screen.query_one("#lock-pin", Input).value == ""
        await focused(app, "#lock-number")
        app.screen.query_one("#lock-number", Input).value = ""
        await type_and_enter(pilot, "９００１")  # full-width digits from a Chinese input method
        await type_and_enter(pilot, "9999")
        await pilot.press("enter")  # the note is still there
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.pause()
        assert not core.lane(LANE).leak_locked
        assert "漏气锁定" not in text_of(app, "#lane-1-1")
        assert "泄漏锁定已由站长解除" in text_of(app, "#message")
    [cleared] = audit_of(core, LOCK_CLEARED)
    assert cleared["note"] == "接头已紧固,检漏合格"
