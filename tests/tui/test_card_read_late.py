"""A card read that answers after the card step is over (the card left on the reader, read again as the attendant
typed the number by hand) takes neither a field nor the focus: the screen stays on the step it is at, and ⏎
moves it on. Found in the tmux walk: the hidden PIN field kept the focus and swallowed every ⏎."""

from __future__ import annotations

from textual.widgets import Input

from station.core.sequence import Step
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.sequence import SequenceScreen
from tests.conftest import until
from tests.tui.test_fill_pilot import LANE, login, to_vehicle_step, type_and_enter


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


async def test_a_card_put_on_the_reader_before_the_card_step_is_read_when_the_step_comes(
    forecourt: SimulatedForecourt,
) -> None:
    """The driver hands the card over early and the attendant lays it on the reader at the safety checks: the
    reader has nothing new to say when the card step comes, so the screen reads what lies there. Found in the
    tmux walk: the card step waited for a swipe that had already happened."""
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app)
        await pilot.press("enter")  # lane 1/1
        await until(lambda: isinstance(app.screen, SequenceScreen))
        screen = app.screen
        assert isinstance(screen, SequenceScreen)
        await pilot.press("enter")  # lane confirmed
        rig.present_card("04A1B2C3")  # on the reader during the safety checks
        await until(lambda: rig.core.card_on_reader == "04A1B2C3")
        for _ in range(4):
            await pilot.press("enter")
        await pilot.press("k")
        await until(lambda: screen.card_uid == "04A1B2C3")  # read without a second swipe
        await until(lambda: screen.query_one("#card-plate", Input).has_focus)


async def test_after_the_simulator_console_enter_still_confirms_the_safety_check(forecourt: SimulatedForecourt) -> None:
    """The console (F12) opened and closed at a step with no field: no hidden field takes the focus on the way
    back (Textual's auto focus would), so ⏎ still confirms. Found in the tmux walk: a dead screen after F12."""
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app)
        await pilot.press("enter")  # lane 1/1
        await until(lambda: isinstance(app.screen, SequenceScreen))
        screen = app.screen
        await pilot.press("enter")  # lane confirmed: the safety checks
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.SAFETY)
        await pilot.press("f12")
        await until(lambda: app.screen is not screen)
        await pilot.press("escape")
        await until(lambda: app.screen is screen)
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        before = seq.next_safety_item
        await pilot.press("enter")
        await until(lambda: seq.next_safety_item != before)
