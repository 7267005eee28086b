"""The desk's charts (G), driven through the terminal at 80×24: the manager's desk opens them, each of the four
charts shows its figures (sales by hour, stock, timers, satisfaction), ←/→ and 1–4 switch, Esc goes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual_plotext import PlotextPlot

from station.core.station import StationCore
from station.tui.app import StationApp
from station.tui.screens.desk.charts import ChartsScreen
from station.tui.screens.desk.menu import ManagerDeskScreen
from station.tui.screens.forecourt import OverviewScreen
from tests.conftest import until
from tests.ledger.helpers import open_shift, record
from tests.tui.test_desk import text_of
from tests.tui.test_keys_at_80x24 import footer_keys
from tests.tui.test_snapshots import T0, make_core


def charted_core(tmp_path: Path) -> StationCore:
    """The snapshot station (fixed clock: 09:30) with one cash sale at 08:30 (45.00, flow over 30 s) rated 4."""
    core, _clock = make_core(tmp_path)
    ledger = core.ledger
    manager = ledger.authenticate("9001", "9999")
    attendant = ledger.authenticate("1001", "1234")
    if ledger.current_shift() is None:
        open_shift(ledger, manager, attendant)
    start = T0 - dt.timedelta(hours=1)  # 08:30 at the station
    fill = ledger.record_fill(record(700_001, 1000, when=start), attendant=attendant, engine_off_to_flow_ms=40_000)
    ledger.settle_cash(attendant, fill.id, 5_000, fill_end_to_commit_ms=5_000)  # 45.00
    ledger.record_rating(
        fill_id=fill.id, attendant_id=attendant.id, lane="1/1", asked_at=start, score=4, answered_at=start
    )
    core.actor = manager
    return core


async def test_the_charts_at_the_desk(tmp_path: Path) -> None:
    core = charted_core(tmp_path)
    ledger = core.ledger
    app = StationApp(core, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        desk = ManagerDeskScreen()
        app.push_screen(desk)
        await until(lambda: app.screen is desk and "图表" in text_of(app, "#desk-menu"))
        await pilot.press("g")
        await until(
            lambda: isinstance(app.screen, ChartsScreen) and "合计 45.00 元 · 1 笔" in text_of(app, "#chart-head")
        )
        screen = app.screen
        assert isinstance(screen, ChartsScreen)
        assert screen.sales is not None and screen.sales.amount_fen[8] == 4_500  # 08:xx on the station's clock
        assert {"left", "right", "escape"} <= {k.key for k in footer_keys(app)}
        assert "45" in screen.query_one(PlotextPlot).plt.build()  # the bar's height on the y axis

        await pilot.press("right")
        await until(lambda: "今日库存" in text_of(app, "#chart-head"))
        assert screen.stock is not None and screen.stock.level_centi[-1] == ledger.stock_centi("CNG")

        await pilot.press("3")
        await until(lambda: "加气员计时" in text_of(app, "#chart-head"))
        assert "超30秒" in text_of(app, "#chart-head") and "1001" in text_of(app, "#chart-head")
        assert [(b.flow_over, b.commit_within) for b in screen.timers if b.attendant.startswith("1001")] == [(1, 1)]

        await pilot.press("right")
        await until(lambda: "每月满意度" in text_of(app, "#chart-head"))
        assert "2026-11: 4.00" in text_of(app, "#chart-head")

        await pilot.press("right")  # round to the first again
        await until(lambda: "今日每小时销售额" in text_of(app, "#chart-head"))
        await pilot.press("1")
        assert screen.index == 0

        await pilot.press("escape")
        await until(lambda: app.screen is desk)


@pytest.mark.parametrize(("lang", "chart"), [("zh", "1"), ("en", "1"), ("zh", "3")])
def test_charts_snapshot(snap_compare: Callable[..., bool], tmp_path: Path, lang: str, chart: str) -> None:
    core = charted_core(tmp_path)

    async def before(pilot: Any) -> None:
        screen = ChartsScreen()
        await pilot.app.push_screen(screen)
        await until(lambda: screen.loaded)
        await pilot.press(chart)
        await pilot.pause()

    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
