"""A card read that answers after the card step is over (the card left on the reader, read again as the attendant
typed the number by hand) takes neither a field nor the focus: the screen stays on the step it is at, and ⏎
moves it on. Found in the tmux walk: the hidden PIN field kept the focus and swallowed every ⏎."""

from __future__ import annotations

from textual.widgets import Input

from station.core.sequence import Step
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from tests.conftest import until
from tests.tui.test_fill_pilot import LANE, to_vehicle_step, type_and_enter


async def test_a_late_card_read_leaves_the_vehicle_step_its_focus_and_its_enter(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_vehicle_step(pilot, app, rig, "k")
        await type_and_enter(pilot, "88000001")  # the number typed by hand
        await type_and_enter(pilot, "鲁E12345")
        await type_and_enter(pilot, "123456")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.VEHICLE)
        plate = screen.query_one("#vehicle-plate", Input)
        await until(lambda: plate.has_focus)

        await screen._card_presented("04A1B2C3")  # the reader's answer, arriving only now
        await pilot.pause()
        assert plate.has_focus and not screen.query_one("#card-pin", Input).has_focus

        # Whatever put the focus on a field of a step already done, the next repaint takes it back.
        screen.query_one("#card-pin", Input).focus()
        await pilot.pause()
        screen.render_state(focus=False)
        await pilot.pause()
        assert plate.has_focus

        await pilot.press("enter")  # the plate from the card: on to the connection
        await until(lambda: seq.step is Step.CONNECT)
