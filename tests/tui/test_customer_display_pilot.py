"""The customer display (客显) through whole fills driven in the terminal: the driver sees the amount while the gas
flows, the amount due, the cash received and the change (seed 001), a card's balance after the sale (seed 004),
and a blank display once the lane is freed. Read from the display simulator, i.e. from the bytes on its wire."""

from __future__ import annotations

from station.core.sequence import Step
from station.devices.customer_display_protocol import Light, Picture
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from tests.conftest import until
from tests.tui.test_fill_pilot import LANE, Keys, connect_and_authorize, focused, to_vehicle_step, type_and_enter


def shown(rig: SimulatedForecourt) -> Picture:
    assert rig.display_sim is not None
    return rig.display_sim.picture


def seen(rig: SimulatedForecourt, light: Light, fen: int) -> bool:
    """The display has shown this amount under this light (the history of pictures on its wire)."""
    assert rig.display_sim is not None
    return any(p.light is light and p.fen() == fen for p in rig.display_sim.history)


async def test_a_cash_fill_on_the_customer_display(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as driver:
        pilot = Keys(driver)
        await to_vehicle_step(pilot, app, rig, "c")
        assert shown(rig).digits == ""  # nothing of anyone's sale before the gas flows
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁E22222")
        await connect_and_authorize(pilot, app, rig, "30")
        fill = rig.core.lane(LANE).unpaid[0]
        assert rig.display_sim is not None
        # while filling: the amount so far under 总计, rising to the amount due
        live = [p.fen() for p in rig.display_sim.history if p.light is Light.TOTAL and p.fen()]
        assert live and live == sorted(live) and len(live) >= 2, live
        await until(lambda: shown(rig).light is Light.TOTAL and shown(rig).fen() == fill.amount_fen)
        await focused(app, "#tendered")
        await type_and_enter(pilot, "50")
        await pilot.press("enter")  # counterfeit check done: the sale commits
        await until(lambda: seen(rig, Light.COLLECT, 5000))  # 收到您50.00元
        change = 5000 - fill.amount_fen
        await until(lambda: shown(rig).light is Light.CHANGE and shown(rig).fen() == change, timeout=10)
        seq = rig.core.lane(LANE).sequence
        assert seq is not None and seq.step is Step.FAREWELL
        await pilot.press("enter")  # farewell: the lane is free, the display blank
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await until(lambda: shown(rig).digits == "" and shown(rig).light is Light.OFF)


async def test_a_card_fill_shows_the_balance_after_the_sale(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as driver:
        pilot = Keys(driver)
        screen = await to_vehicle_step(pilot, app, rig, "k")
        rig.present_card("04A1B2C3")
        await until(lambda: screen.card_uid == "04A1B2C3")
        await type_and_enter(pilot, "鲁E12345")
        await type_and_enter(pilot, "123456")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.VEHICLE)
        await pilot.press("enter")  # the card's plate, already in the field
        await connect_and_authorize(pilot, app, rig, "30")
        await pilot.press("enter")  # settle from the hold
        await until(lambda: seq.step is Step.FAREWELL)
        balance = rig.core.ledger.card(number="88000001").balance_fen
        await until(lambda: shown(rig).light is Light.OFF and shown(rig).fen() == balance)
