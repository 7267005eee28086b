"""Screen flow at 80×24: every screen keeps a visible way forward and a way back (issue 9, "The terminal")."""

from __future__ import annotations

from station.core.sequence import Step
from station.simrig import SimulatedForecourt
from station.tui.app import OverviewScreen, StationApp
from station.tui.sequence_screen import SequenceScreen
from tests.conftest import until
from tests.tui.test_fill_pilot import LANE, login, text_of


async def test_esc_out_of_a_running_sequence_then_enter_resumes_it_at_its_step(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app)
        await pilot.press("enter")  # open lane 1/1: greeting
        await until(lambda: isinstance(app.screen, SequenceScreen))
        await pilot.press("enter", "enter")  # lane confirmed, first safety item
        seq = rig.core.lane(LANE).sequence
        assert seq is not None and seq.step is Step.SAFETY
        said = text_of(app, "#say")
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("enter")  # the same nozzle again
        await until(lambda: isinstance(app.screen, SequenceScreen))
        await pilot.pause()
        assert rig.core.lane(LANE).sequence is seq and seq.step is Step.SAFETY
        assert text_of(app, "#say") == said  # the same step, shown again
        await pilot.press("enter")  # and the keys answer: the next safety item
        await until(lambda: len(seq.safety_done) >= 2)
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, OverviewScreen))
