"""Issue 9: quit (or lose power) mid-fill and start again: after login the attendant is back on the sequence."""

from __future__ import annotations

from textual.widgets import Static

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.money import format_centi, format_yuan
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.login import LoginScreen
from station.tui.screens.sequence import SequenceScreen
from tests.conftest import until
from tests.core.test_core_fill import LANE, walk_to_authorize
from tests.core.test_recovery import restarted
from tests.tui.test_fill_pilot import focused, type_and_enter


async def test_after_a_restart_mid_fill_login_lands_on_the_resumed_sequence(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    await walk_to_authorize(rig, PaymentKind.CASH)
    rig.dispensers.speed = 1e-6  # still authorized, gas not yet flowing, when the terminal goes
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    core = restarted(rig)
    await core.resume_authorizations()
    app = StationApp(core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, LoginScreen))
        await focused(app, "#number")
        await type_and_enter(pilot, "1001")
        await type_and_enter(pilot, "1234")
        await until(lambda: isinstance(app.screen, SequenceScreen))
        screen = app.screen
        assert isinstance(screen, SequenceScreen) and screen.lane_key == LANE
        seq = core.lane(LANE).sequence
        assert seq is not None and seq.step is Step.FILLING
        assert "8 Filling" in str(screen.query_one("#steps", Static).render())
        rig.dispensers.speed = 40.0
        await until(lambda: seq.step is Step.DISCONNECT)
        await pilot.press("enter", "enter")  # valve closed, nozzle vented and removed
        await until(lambda: seq.step is Step.SETTLE)
        await focused(app, "#tendered")
        await type_and_enter(pilot, "20")  # the change is said
        await pilot.press("enter")  # counterfeit check done: commit
        await until(lambda: seq.step is Step.FAREWELL)
        assert not core.lane(LANE).unpaid


async def test_after_a_restart_past_the_fill_step_9_shows_the_recorded_fill(forecourt: SimulatedForecourt) -> None:
    """Found in the tmux walk: back at step 9 the figures read 0.00 kg · ¥0.00 (the dispenser's live ones)."""
    rig = forecourt
    await walk_to_authorize(rig, PaymentKind.CASH)
    await rig.core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 1500))
    old = rig.core.lane(LANE).sequence
    assert old is not None
    await until(lambda: old.step is Step.DISCONNECT)
    core = restarted(rig)
    await core.resume_authorizations()
    await core._reload_unpaid(core.lane(LANE))
    fill = core.lane(LANE).unpaid[0]
    app = StationApp(core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, LoginScreen))
        await focused(app, "#number")
        await type_and_enter(pilot, "1001")
        await type_and_enter(pilot, "1234")
        await until(lambda: isinstance(app.screen, SequenceScreen))
        money = f"¥{format_yuan(fill.amount_fen)}"
        await until(lambda: money in str(app.screen.query_one("#info-text", Static).render()))
        assert f"{format_centi(fill.quantity_centi)} kg" in str(app.screen.query_one("#info-text", Static).render())
