"""Forecourt tiles at 80×24: warnings stay visible, the sequence's real step, the settle timer and E-STOP shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.core.lanes import NozzleState as LaneState
from station.core.sequence import PaymentKind, PresetChoice, PresetKind
from station.devices.dispenser_protocol import NozzleState
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.widgets.lane_tile import LaneTile
from tests.conftest import until
from tests.core.test_core_fill import walk_to_authorize
from tests.tui.screen_text import region_rows, screen_rows
from tests.tui.test_snapshots import LANE, make_core, record, walk


def tile_rows(app: StationApp, key: tuple[int, int]) -> list[str]:
    """The rows of one tile as the screen shows them (inside its border)."""
    tile = app.screen.query_one(f"#lane-{key[0]}-{key[1]}", LaneTile)
    return region_rows(app, tile.region)


@pytest.mark.parametrize(
    ("lang", "unpaid", "timer"),
    [("zh", "未付 1 笔 ¥67.50", "熄火 0:37/0:30"), ("en", "Unpaid 1: ¥67.50", "Engine off 0:37/0:30")],
)
async def test_a_full_tile_keeps_its_unpaid_and_alarm_lines_before_the_figures(
    tmp_path: Path, lang: str, unpaid: str, timer: str
) -> None:
    core, clock = make_core(tmp_path)
    await walk(core, clock, "authorize")  # a sequence under way, the engine-off timer running
    clock.value += 25  # amber
    record(core, 9, 1500, nozzle=1)  # a fill left unpaid at this nozzle (a restart in between)
    lane = core.lane(LANE)
    await core._reload_unpaid(lane)
    lane.alarm = "OVERPRESSURE"
    lane.state, lane.quantity, lane.amount, lane.pressure = LaneState.AUTHORIZED, 0, 0, 300
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.pause()
        shown = "\n".join(tile_rows(app, LANE))
        assert unpaid in shown, shown
        assert "OVERPRESSURE" in shown, shown
        assert timer in shown, shown


@pytest.mark.parametrize(
    ("lang", "step", "timer", "idle"),
    [("zh", "10 结算", "结算 0:25/1:00", "空闲"), ("en", "10 Settle", "Settle 0:25/1:00", "idle")],
)
async def test_a_tile_at_step_10_says_settle_with_its_timer_not_idle(
    tmp_path: Path, lang: str, step: str, timer: str, idle: str
) -> None:
    core, clock = make_core(tmp_path)
    await walk(core, clock, "settle")  # nozzle hung up, the 1-minute settle timer running
    core.lane(LANE).state = LaneState.IDLE
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.pause()
        rows = tile_rows(app, LANE)
        shown = "\n".join(rows)
        assert step in rows[2], shown  # the line under the name: the step, not the idle nozzle
        assert idle not in shown, shown
        assert timer in shown, shown


async def test_after_f9_the_tile_says_estop_as_well_as_the_toast(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await walk_to_authorize(rig, PaymentKind.CASH)
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 50_000))
        await until(lambda: core.lane(LANE).quantity > 0)
        app.switch_screen(OverviewScreen())
        await until(lambda: isinstance(app.screen, OverviewScreen))
        assert "急停" not in "\n".join(tile_rows(app, LANE))
        await pilot.press("f9")
        await until(lambda: rig.dispensers.state_of(*LANE) is not NozzleState.FILLING)
        await until(lambda: core.lane(LANE).estopped)
        await pilot.pause(0.3)
        assert "⛔ 急停" in "\n".join(tile_rows(app, LANE))
        assert "急停" not in "\n".join(tile_rows(app, (2, 1)))  # an idle nozzle was not in use
        assert any("已紧急停止" in row for row in screen_rows(app))  # and the toast says it too
