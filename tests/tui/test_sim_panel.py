"""The demo's F12 panel shows the customer display (客显) as the driver sees it, live from the display's wire."""

from __future__ import annotations

import re

from textual.widgets import Static

from station.devices.customer_display_protocol import Light
from station.money import format_yuan
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.modals.sim_panel import SimPanelScreen
from tests.conftest import until
from tests.tui.test_fill_pilot import connect_and_authorize, focused, to_vehicle_step, type_and_enter


def panel_display(app: StationApp) -> str:
    return str(app.screen.query_one("#display", Static).render())


async def test_the_sim_panel_shows_the_customer_display_live(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    assert rig.display_sim is not None
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_vehicle_step(pilot, app, rig, "c")
        await pilot.press("f12")
        await until(lambda: isinstance(app.screen, SimPanelScreen))
        # blank before any sale: nine empty cells (eight digits, the point) and no light
        await until(lambda: re.fullmatch(r"客显: \[ {9}\]", panel_display(app).strip()) is not None)
        await pilot.press("escape")
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁E22222")
        await connect_and_authorize(pilot, app, rig, "30")
        fill = rig.core.lane((1, 1)).unpaid[0]
        await until(lambda: rig.display_sim is not None and rig.display_sim.picture.fen() == fill.amount_fen)
        await pilot.press("f12")
        await until(lambda: isinstance(app.screen, SimPanelScreen))
        assert rig.display_sim.picture.light is Light.TOTAL
        await until(lambda: f"{format_yuan(fill.amount_fen)}] 总计" in panel_display(app))
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, SimPanelScreen))
