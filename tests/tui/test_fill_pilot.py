"""Whole fills driven through the terminal UI with Textual's pilot: UI → core → drivers → simulators → ledger."""

from __future__ import annotations

from textual.widgets import Input, Static

from station.core.sequence import Step
from station.devices.printer_sim import decode_escpos_text
from station.ledger.checks import check_ledger
from station.ledger.models import FillStatus
from station.money import amount_for
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from station.tui.screens.sequence import SequenceScreen
from tests.conftest import until

LANE = (1, 1)


def text_of(app: StationApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def focused(app: StationApp, selector: str) -> None:
    """Wait until the field has the focus: keys typed before that would go nowhere, for a person too."""
    await until(lambda: app.screen.query_one(selector, Input).has_focus)


async def type_and_enter(pilot: object, text: str) -> None:
    await pilot.press(*list(text))  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]


async def login(pilot: object, app: StationApp) -> None:
    await until(lambda: isinstance(app.screen, LoginScreen))
    await focused(app, "#number")
    await type_and_enter(pilot, "1001")
    await type_and_enter(pilot, "1234")
    await until(lambda: isinstance(app.screen, OverviewScreen))


async def to_vehicle_step(pilot: object, app: StationApp, rig: SimulatedForecourt, payment: str) -> SequenceScreen:
    await login(pilot, app)
    await pilot.press("enter")  # type: ignore[attr-defined]  # open lane 1/1: greeting
    await until(lambda: isinstance(app.screen, SequenceScreen))
    screen = app.screen
    assert isinstance(screen, SequenceScreen)
    assert "欢迎光临东营南郊加气站" in text_of(app, "#say")
    await pilot.press("enter")  # type: ignore[attr-defined]  # lane confirmed
    for _ in range(4):  # passengers out, engine off (30 s timer starts), phone/smoking, hood
        await pilot.press("enter")  # type: ignore[attr-defined]
    seq = rig.core.lane(LANE).sequence
    assert seq is not None and seq.engine_timer.started is not None and seq.step is Step.PAYMENT
    assert "请问用现金还是用卡" in text_of(app, "#say")
    await pilot.press(payment)  # type: ignore[attr-defined]
    return screen


async def connect_and_authorize(pilot: object, app: StationApp, rig: SimulatedForecourt, preset: str) -> None:
    seq = rig.core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.CONNECT)
    await pilot.press("enter")  # type: ignore[attr-defined]  # nozzle connected (the demo forecourt lifts it)
    await pilot.press("enter")  # type: ignore[attr-defined]  # valves open
    await until(lambda: rig.core.lane(LANE).pressure > 0)
    await focused(app, "#pressure")
    await pilot.press("enter")  # type: ignore[attr-defined]  # empty: residual pressure from the dispenser
    await until(lambda: seq.residual_centi_mpa is not None)
    await pilot.press("enter")  # type: ignore[attr-defined]  # no leak
    await until(lambda: seq.step is Step.AUTHORIZE)
    await pilot.press("a")  # type: ignore[attr-defined]
    await focused(app, "#preset")
    await type_and_enter(pilot, preset)
    await until(lambda: seq.step is Step.DISCONNECT, timeout=30)
    await pilot.press("enter", "enter")  # type: ignore[attr-defined]
    await until(lambda: seq.step is Step.SETTLE)


async def test_cash_fill_through_the_ui(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_vehicle_step(pilot, app, rig, "c")
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁E22222")
        await connect_and_authorize(pilot, app, rig, "30")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        fill = rig.core.lane(LANE).unpaid[0]
        assert fill.amount_fen == amount_for(450, fill.quantity_centi) and fill.amount_fen <= 3000
        await focused(app, "#tendered")
        await type_and_enter(pilot, "50")  # first Enter: the change is said aloud
        assert "收到您50.00元" in text_of(app, "#say")
        await pilot.press("enter")  # second Enter: counterfeit check done, commit
        await until(lambda: seq.step is Step.FAREWELL)
        change = 5000 - fill.amount_fen
        info = text_of(app, "#info-text")
        assert f"找零 ¥{change // 100}.{change % 100:02d}" in info and "小票预览" in info
        await pilot.press("enter")  # farewell
        await until(lambda: isinstance(app.screen, OverviewScreen))
    stored = rig.core.ledger.fill(fill.id)
    assert stored.status is FillStatus.PAID and stored.change_fen == change
    assert stored.engine_off_to_flow_ms is not None and stored.fill_end_to_commit_ms is not None
    receipt = decode_escpos_text(rig.receipts_file.read_bytes())
    assert "找零" in receipt or "50.00" in receipt
    assert check_ledger(rig.core.ledger.engine).ok


async def test_card_fill_through_the_ui(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    before = rig.core.ledger.card(number="88000001").balance_fen
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await to_vehicle_step(pilot, app, rig, "k")
        rig.present_card("04A1B2C3")  # the driver's card on the reader
        await until(lambda: screen.card_uid == "04A1B2C3")
        await type_and_enter(pilot, "鲁E12345")
        await type_and_enter(pilot, "123456")  # the driver types the PIN
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.VEHICLE)
        assert app.screen.query_one("#vehicle-plate", Input).value == "鲁E12345"
        await pilot.press("enter")
        await connect_and_authorize(pilot, app, rig, "20")
        assert rig.core.ledger.card(number="88000001").held_fen == 2000
        await pilot.press("enter")  # charge the card
        await until(lambda: seq.step is Step.FAREWELL)
        fill_id = seq.fill_id
        assert fill_id is not None
        info = text_of(app, "#info-text")
        await pilot.press("enter")
    fill = rig.core.ledger.fill(fill_id)
    card = rig.core.ledger.card(number="88000001")
    assert card.held_fen == 0 and card.balance_fen == before - fill.amount_fen
    assert "****0001" in info


async def test_receipt_prints_in_the_station_language_with_the_plate(forecourt: SimulatedForecourt) -> None:
    """The attendant's screen is in English; the driver's receipt is in the station's receipt language (zh)."""
    rig = forecourt
    assert rig.core.settings.station.receipt_language == "zh"
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_vehicle_step(pilot, app, rig, "c")
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁e 22222")
        await connect_and_authorize(pilot, app, rig, "30")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await focused(app, "#tendered")
        await type_and_enter(pilot, "５０")  # full-width digits from a Chinese input method
        await pilot.press("enter")
        await until(lambda: seq.step is Step.FAREWELL)
        await until(
            lambda: rig.receipts_file.exists() and "加气小票" in decode_escpos_text(rig.receipts_file.read_bytes())
        )
        receipt = decode_escpos_text(rig.receipts_file.read_bytes())
        assert "车牌号" in receipt and "鲁E22222" in receipt and "FUEL RECEIPT" not in receipt
        assert "50.00" in receipt
