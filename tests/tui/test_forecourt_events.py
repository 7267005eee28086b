"""Fill-up, emergency stop, a leak mid-fill, an unpaid fill across a restart, and the language switch."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import StationCore
from station.devices.dispenser_protocol import StopReason
from station.ledger.models import FillStatus
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.settle_unpaid import SettleUnpaidScreen
from tests.conftest import until
from tests.core.test_core_fill import LANE, connect_seen, walk_to_authorize


async def enter_text(pilot: Any, text: str) -> None:
    await pilot.press(*list(text))
    await pilot.press("enter")


async def test_fill_up_ends_at_the_pressure_limit(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.FILL_UP))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT, timeout=30)
    fill = core.lane(LANE).unpaid[0]
    txn = rig.dispensers.transactions(1)[-1]
    assert txn.stop_reason is StopReason.PRESSURE_LIMIT and fill.quantity_centi == txn.quantity
    assert fill.pressure_after_centi_mpa >= 1990


async def test_emergency_stop_and_leak(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_authorize(rig, PaymentKind.CASH)
        await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 50_000))
        await until(lambda: core.lane(LANE).quantity > 0)
        await pilot.press("f9")  # one key stops at once
        seq = core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.DISCONNECT)
        assert rig.dispensers.transactions(1)[-1].stop_reason is StopReason.MANUAL_STOP
        fill = core.lane(LANE).unpaid[0]
        assert 0 < fill.amount_fen < 50_000  # what flowed is sold and settled, not lost
    # a leak during the next fill on the other nozzle stops it, ends its sequence and locks the nozzle
    other = (1, 2)
    core.lane(LANE).sequence = None
    seq2 = await core.start_sequence(other)
    await core.confirm_arrival(other)
    for _ in range(4):
        await core.confirm_safety_item(other)
    await core.choose_payment(other, PaymentKind.CASH)
    await core.check_vehicle(other, "鲁E22222")
    rig.lift(*other)
    await connect_seen(rig, other)
    await core.authorize(other, PresetChoice(PresetKind.AMOUNT, 50_000))
    await until(lambda: core.lane(other).quantity > 0)
    rig.leak(*other)
    await until(lambda: seq2.step is Step.ABORTED and seq2.fill_id is not None)
    assert rig.dispensers.transactions(1)[-1].stop_reason is StopReason.LEAK_ALARM
    assert core.lane(other).alarm and core.lane(other).leak_locked
    assert [f.id for f in core.lane(other).unpaid] == [seq2.fill_id]  # what flowed is kept, unpaid


async def test_unpaid_fill_survives_a_restart_and_is_settled(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    await until(lambda: bool(core.lane(LANE).unpaid))
    fill = core.lane(LANE).unpaid[0]
    # The app restarts: a new core on the same database knows the unpaid fill; the nozzle stays blocked.
    await core.stop()
    restarted = StationCore(core.ledger, core.settings)
    await restarted.start()
    restarted.actor = restarted.ledger.authenticate("1001", "1234")
    assert [f.id for f in restarted.lane(LANE).unpaid] == [fill.id]
    app = StationApp(restarted, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        tile = str(app.screen.query_one("#lane-1-1", Static).render())
        assert "Unpaid 1" in tile
        await pilot.press("enter")  # try to start a new fill on the blocked nozzle
        await pilot.pause()
        assert "unpaid fill" in str(app.screen.query_one("#message", Static).render())
        await pilot.press("s")
        await until(lambda: isinstance(app.screen, SettleUnpaidScreen))
        await pilot.press("c")
        await pilot.pause()
        await enter_text(pilot, "20")  # the change is said first
        await pilot.press("enter")  # counterfeit check done: settled
        await until(lambda: not restarted.lane(LANE).unpaid)
        result = str(app.screen.query_one("#result-text", Static).render())
        assert "找您" in result
    await restarted.stop()
    assert restarted.ledger.fill(fill.id).status is FillStatus.PAID


async def test_language_switch_at_runtime(forecourt: SimulatedForecourt) -> None:
    app = StationApp(forecourt.core, sim=forecourt, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "加气员登录" in str(app.screen.query_one("#login-title", Static).render())
        await pilot.press("f2")
        await pilot.pause()
        assert "Attendant login" in str(app.screen.query_one("#login-title", Static).render())
        await enter_text(pilot, "1001")
        await enter_text(pilot, "9999")
        await pilot.pause()
        assert "Wrong staff number or PIN" in str(app.screen.query_one("#login-error", Static).render())
