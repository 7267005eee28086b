"""Screen flow at 80×24: every screen keeps a visible way forward and a way back (issue 9, "The terminal")."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from station.core.sequence import PaymentKind, Step
from station.core.station import StationCore
from station.ledger.fills import FillRecord
from station.ledger.models import FillStatus
from station.runtime import StationRuntime
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.sequence import SequenceScreen
from station.tui.screens.settle_unpaid import SettleUnpaidScreen
from tests.conftest import until
from tests.core.test_core_fill import walk_to_authorize
from tests.tui.test_fill_pilot import LANE, login, text_of
from tests.tui.test_no_secrets_in_errors import runtime  # noqa: F401  (the fixture: a seeded station, no bus)


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


async def _unpaid_core(rt: StationRuntime) -> tuple[StationCore, int]:
    """A station restarted with one unpaid fill of ¥45.00 on nozzle 1/1."""
    ledger = rt.ledger
    now = ledger.now()
    fill = ledger.record_fill(FillRecord(1, 1, 1, "CNG", "kg", 450, 1000, 4500, now, now, 300, 2000, 0, 1000))
    core = StationCore(ledger, rt.settings)
    core.actor = ledger.authenticate("1001", "1234")
    await core.start()
    return core, fill.id


def _shown(app: StationApp, selector: str) -> bool:
    return bool(app.screen.query_one(selector, Input).display)


async def _to_settle_screen(pilot: Any, app: StationApp) -> None:
    await until(lambda: isinstance(app.screen, OverviewScreen))
    await pilot.pause()
    await pilot.press("s")
    await until(lambda: isinstance(app.screen, SettleUnpaidScreen))
    await pilot.pause()


async def test_settle_unpaid_by_cash_says_the_change_and_waits_for_the_counterfeit_check(
    runtime: StationRuntime,  # noqa: F811
) -> None:
    core, fill_id = await _unpaid_core(runtime)
    app = StationApp(core, language="zh")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await _to_settle_screen(pilot, app)
            await pilot.press("5", "0", "enter")  # digits before C/K go nowhere and settle nothing
            await pilot.pause()
            assert core.lane((1, 1)).unpaid and not _shown(app, "#u-tendered")
            await pilot.press("c")
            await until(lambda: _shown(app, "#u-tendered") and app.screen.query_one("#u-tendered").has_focus)
            await pilot.press("5", "0", "enter")  # first Enter: the change is said
            await pilot.pause()
            assert "找您5.00元" in str(app.screen.query_one("#u-say", Static).render())
            assert core.lane((1, 1)).unpaid  # not yet: the notes are checked first
            await pilot.press("enter")  # counterfeit check done
            await until(lambda: not core.lane((1, 1)).unpaid)
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, OverviewScreen))
    finally:
        await core.stop()
    fill = core.ledger.fill(fill_id)
    assert fill.status is FillStatus.PAID and fill.change_fen == 500


async def test_settle_unpaid_by_card_from_the_keyboard_after_esc_out_of_cash(
    runtime: StationRuntime,  # noqa: F811
) -> None:
    core, fill_id = await _unpaid_core(runtime)
    before = core.ledger.card(number="88000001").balance_fen
    app = StationApp(core, language="en")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await _to_settle_screen(pilot, app)
            await pilot.press("c")
            await until(lambda: _shown(app, "#u-tendered"))
            await pilot.press("escape")  # the way back: nothing settled
            await until(lambda: isinstance(app.screen, OverviewScreen))
            assert core.lane((1, 1)).unpaid
            await _to_settle_screen(pilot, app)
            await pilot.press("k")
            await until(lambda: _shown(app, "#u-card") and app.screen.query_one("#u-card").has_focus)
            await pilot.press(*"88000001", "enter")
            await until(lambda: app.screen.query_one("#u-pin").has_focus)
            await pilot.press(*"123456", "enter")
            await until(lambda: not core.lane((1, 1)).unpaid)
    finally:
        await core.stop()
    assert core.ledger.fill(fill_id).status is FillStatus.PAID
    assert core.ledger.card(number="88000001").balance_fen == before - 4500


async def test_after_a_wrong_pin_shift_tab_reaches_the_number_field_again(forecourt: SimulatedForecourt) -> None:
    app = StationApp(forecourt.core, sim=forecourt, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: app.screen.query_one("#number", Input).has_focus)
        await pilot.press(*"1002", "enter", *"0000", "enter")  # a wrong number or PIN
        await until(lambda: "✗" in str(app.screen.query_one("#login-error", Static).render()))
        assert app.screen.query_one("#pin", Input).has_focus
        await pilot.press("shift+tab")
        await until(lambda: app.screen.query_one("#number", Input).has_focus)
        app.screen.query_one("#number", Input).value = ""
        await pilot.press(*"1001", "tab")  # Tab moves on to the PIN as well as Enter does
        await until(lambda: app.screen.query_one("#pin", Input).has_focus)
        await pilot.press(*"1234", "enter")
        await until(lambda: isinstance(app.screen, OverviewScreen))


async def test_f5_pays_cash_instead_at_step_7_where_the_balance_is_refused(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    await walk_to_authorize(rig, PaymentKind.CARD)
    seq = rig.core.lane(LANE).sequence
    assert seq is not None and seq.step is Step.AUTHORIZE
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("enter")  # back into the running sequence, at step 7
        await until(lambda: isinstance(app.screen, SequenceScreen))
        await pilot.pause()
        await pilot.press("f5")
        await until(lambda: seq.payment is PaymentKind.CASH)
        assert seq.step is Step.AUTHORIZE and seq.card_number is None
