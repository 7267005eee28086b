"""Pictures of the attendant's screens, in both languages, at 80×24: fixed data, fixed clocks.

The core runs without devices here (no simulator timing in a picture); lane states are set as the
driver events would set them. Look at the SVGs in tests/tui/__snapshots__/ when they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from station.config import load_settings
from station.core.lanes import NozzleState as LaneState
from station.core.sequence import PaymentKind, PresetChoice, PresetKind
from station.core.station import StationCore
from station.devices import dispenser_protocol as proto
from station.devices.dispenser_bus import NozzleStateChanged
from station.ledger.db import make_engine, upgrade
from station.ledger.fills import FillRecord
from station.ledger.services import Ledger
from station.money import amount_for
from station.seed import seed_demo
from station.tui.app import StationApp
from station.tui.screens.sequence import SequenceScreen

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 11, 21, 1, 30, tzinfo=dt.UTC)  # 09:30 at the station
LANE = (1, 1)


class Clock:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def make_core(tmp_path: Path) -> tuple[StationCore, Clock]:
    url = f"sqlite:///{tmp_path / 'snap.db'}"
    upgrade(url)
    settings = load_settings(ROOT / "config" / "station.toml")
    ledger = Ledger(make_engine(url), settings, b"s" * 32, clock=lambda: T0)
    ledger.bootstrap()
    seed_demo(ledger, today=T0.date())
    clock = Clock()
    core = StationCore(ledger, settings, monotonic=clock)
    core.actor = ledger.authenticate("1001", "1234")
    for key, lane in core.lanes.items():
        lane.link_up = True
        lane.state = LaneState.IDLE
        lane.pressure = 0
        del key
    return core, clock


def record(core: StationCore, number: int, quantity: int, nozzle: int = 1) -> int:
    fill = core.ledger.record_fill(
        FillRecord(
            dispenser=1,
            nozzle=nozzle,
            transaction_number=number,
            product_code="CNG",
            unit="kg",
            unit_price_fen=450,
            quantity_centi=quantity,
            dispenser_amount_fen=amount_for(450, quantity),
            started_at=T0 - dt.timedelta(minutes=2),
            ended_at=T0,
            pressure_before_centi_mpa=300,
            pressure_after_centi_mpa=1980,
            totalizer_before_centi=0,
            totalizer_after_centi=quantity,
        ),
        attendant=core.actor,
    )
    return fill.id


async def walk(core: StationCore, clock: Clock, until_step: str) -> None:
    """Take lane 1/1 through the sequence without a dispenser, as far as ``until_step``."""
    await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    await core.confirm_safety_item(LANE)
    await core.confirm_safety_item(LANE)  # engine off: the 30 s timer starts now
    clock.value += 12
    if until_step == "safety":
        return
    await core.confirm_safety_item(LANE)
    await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, PaymentKind.CASH)
    await core.check_vehicle(LANE, "鲁E22222")
    seq = core.lane(LANE).sequence
    assert seq is not None
    if until_step == "connect":
        # the dispenser reports the nozzle lifted: connected without a key; the valves' key, then its gauge
        core._on_bus_event(NozzleStateChanged(1, 1, proto.NozzleState.IDLE, proto.NozzleState.NOZZLE_LIFTED, 300))
        await core.confirm_connect_item(LANE)
        seq.record_residual_pressure(300, typed=False)  # as the core records the gauge (no bus here)
        return
    await core.confirm_connect_item(LANE)
    await core.confirm_connect_item(LANE)
    await core.residual_typed(LANE, 300)
    await core.confirm_connect_item(LANE)
    if until_step == "authorize":
        return
    seq.authorized(PresetChoice(PresetKind.AMOUNT, 5000), 450, None, 0)
    clock.value += 9
    seq.gas_flowing()
    lane = core.lane(LANE)
    lane.state, lane.quantity, lane.amount, lane.pressure = LaneState.FILLING, 734, 3303, 1420
    if until_step == "filling":
        clock.value += 20
        return
    fill_id = record(core, 1, 1111)
    lane.state, lane.quantity, lane.amount, lane.pressure = LaneState.FINISHED, 1111, 5000, 1980
    await core._reload_unpaid(lane)
    seq.fill_ended(fill_id, "preset_reached")
    clock.value += 25
    if until_step == "disconnect":
        # hung up before the cylinder valve was confirmed closed: recorded, and the step waits for that key
        core._on_bus_event(NozzleStateChanged(1, 1, proto.NozzleState.FINISHED, proto.NozzleState.IDLE))
        return
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    if until_step == "settle":
        return
    await core.settle_cash(LANE, 10000)


def shoot(snap_compare: Callable[..., bool], core: StationCore, lang: str, before: Callable[..., Any]) -> bool:
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    return snap_compare(app, terminal_size=(80, 24), run_before=before)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview(snap_compare: Callable[..., bool], tmp_path: Path, lang: str) -> None:
    core, clock = make_core(tmp_path)

    async def before(pilot: Any) -> None:
        await walk(core, clock, "filling")
        record(core, 7, 2000, nozzle=2)
        await core._reload_unpaid(core.lane((1, 2)))
        core.lane((2, 2)).link_up = False
        core.lane((2, 2)).state = LaneState.OFFLINE
        await pilot.pause()

    assert shoot(snap_compare, core, lang, before)


@pytest.mark.parametrize(
    ("step", "lang"),
    [
        ("safety", "zh"),
        ("safety", "en"),
        ("connect", "zh"),
        ("connect", "en"),
        ("authorize", "zh"),
        ("filling", "en"),
        ("disconnect", "zh"),
        ("disconnect", "en"),
        ("settle", "zh"),
        ("settle", "en"),
        ("mobile", "zh"),
        ("mobile", "en"),
        ("farewell", "zh"),
    ],
)
def test_sequence(snap_compare: Callable[..., bool], tmp_path: Path, step: str, lang: str) -> None:
    core, clock = make_core(tmp_path)

    async def before(pilot: Any) -> None:
        await walk(core, clock, "settle" if step == "mobile" else step)
        screen = SequenceScreen(LANE)
        await pilot.app.push_screen(screen)
        if step == "mobile":
            from textual.widgets import Input

            from station.core.mobile_pay import MobilePay

            core.mobile_pay = MobilePay(core.ledger, {})  # scan-to-pay set up (the picture asks nothing of it)
            screen.render_state(focus=True)
            for widget in screen.query(Input):
                widget.cursor_blink = False
            await pilot.press("m")  # the driver shows a phone: the payment-code field, the phrase to say
            for _ in range(100):
                if screen.query_one("#mobile-code", Input).has_focus:
                    break
                await pilot.pause(0.02)
        if step == "settle":
            from textual.widgets import Input

            for widget in screen.query(Input):
                widget.cursor_blink = False  # a blinking cursor would make the picture depend on the moment
            tendered = screen.query_one("#tendered", Input)
            for _ in range(100):  # type only once the field has the focus, as a person would see it
                if tendered.has_focus:
                    break
                await pilot.pause(0.02)
            await pilot.press(*"100")
            await pilot.press("enter")  # the change shown, waiting for the counterfeit check
            for _ in range(100):
                if screen.pending_tender == 10000 and not screen.busy:
                    break
                await pilot.pause(0.02)
        if step == "farewell":
            from station.core.station import SettleResult

            fill = core.ledger.fill(core.lane(LANE).sequence.fill_id)  # type: ignore[union-attr, arg-type]
            from station.printouts.receipt import CashPayment

            receipt = core._receipt(fill, 1, CashPayment(10000, 5000))
            from station.printouts.receipt import render

            screen.settle_result = SettleResult(fill, render(receipt, "zh"), None, change_fen=5000, tendered_fen=10000)
            screen.render_state()
        await pilot.pause()

    assert shoot(snap_compare, core, lang, before)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quit_confirm(snap_compare: Callable[..., bool], tmp_path: Path, lang: str) -> None:
    """Ctrl+Q during a fill with an unpaid fill at the next nozzle: the box names both, ⏎ and Esc inside."""
    core, clock = make_core(tmp_path)

    async def before(pilot: Any) -> None:
        await walk(core, clock, "filling")
        record(core, 7, 2000, nozzle=2)
        await core._reload_unpaid(core.lane((1, 2)))
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()

    assert shoot(snap_compare, core, lang, before)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_manager_box_refusal(snap_compare: Callable[..., bool], tmp_path: Path, lang: str) -> None:
    """The manager's box after a PIN that is not a PIN: the field named, the keys shown."""
    core, _clock = make_core(tmp_path)

    async def before(pilot: Any) -> None:
        from textual.widgets import Input

        from station.tui.modals.manager_auth import ManagerAuthScreen

        await pilot.pause()
        box = ManagerAuthScreen("鲁E99999: 气瓶检验过期")
        await pilot.app.push_screen(box)
        for widget in box.query(Input):
            widget.cursor_blink = False
        await pilot.press(*"９００１", "enter", *"99x9", "enter", *"ok", "enter")
        await pilot.pause()

    assert shoot(snap_compare, core, lang, before)
