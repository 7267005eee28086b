"""Whole fills driven through the terminal UI with Textual's pilot: UI → core → drivers → simulators → ledger.

Every key goes through :class:`Keys`, which counts them (issue 13: no key for what the dispenser already knows).
The attendant's hands at the dispenser (lifting the nozzle, hanging it up) are the simulator's ``lift`` and
``hang``; the dispenser reports them and the sequence takes them without a key.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from station.core.sequence import Step
from station.devices.printer_sim import decode_escpos_text
from station.i18n import t
from station.ledger.checks import check_ledger
from station.ledger.models import FillStatus
from station.money import amount_for
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from station.tui.screens.sequence import SequenceScreen
from tests.conftest import until
from tests.tui.screen_text import screen_text

LANE = (1, 1)


def text_of(app: StationApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def focused(app: StationApp, selector: str) -> None:
    """Wait until the field has the focus: keys typed before that would go nowhere, for a person too."""
    await until(lambda: app.screen.query_one(selector, Input).has_focus)


class Keys:
    """The attendant's keyboard: ``count`` is every key pressed, but the characters typed into a PIN, a plate or
    an amount (the issue counts those apart: they are the driver's and the sale's, not the sequence's)."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.pilot.press(*list(text))


# The helpers take the counting keyboard or Textual's pilot itself (tests that count nothing).
Hands = Keys | Pilot[Any]


async def type_and_enter(pilot: Hands, text: str) -> None:
    if isinstance(pilot, Keys):
        await pilot.type(text)
    else:
        await pilot.press(*list(text))
    await pilot.press("enter")


async def login(pilot: Hands, app: StationApp) -> None:
    await until(lambda: isinstance(app.screen, LoginScreen))
    await focused(app, "#number")
    await type_and_enter(pilot, "1001")
    await type_and_enter(pilot, "1234")
    await until(lambda: isinstance(app.screen, OverviewScreen))
    if isinstance(pilot, Keys):
        pilot.count = 0  # a fill's keys count from the forecourt: the login is the shift's, not the fill's


async def to_vehicle_step(pilot: Hands, app: StationApp, rig: SimulatedForecourt, payment: str) -> SequenceScreen:
    await login(pilot, app)
    await pilot.press("enter")  # open lane 1/1: greeting
    await until(lambda: isinstance(app.screen, SequenceScreen))
    screen = app.screen
    assert isinstance(screen, SequenceScreen)
    assert "欢迎光临东营南郊加气站" in text_of(app, "#say")
    await pilot.press("enter")  # lane confirmed
    for _ in range(4):  # passengers out, engine off (30 s timer starts), phone/smoking, hood
        await pilot.press("enter")
    seq = rig.core.lane(LANE).sequence
    assert seq is not None and seq.engine_timer.started is not None and seq.step is Step.PAYMENT
    assert "请问用现金还是用卡" in text_of(app, "#say")
    await pilot.press(payment)
    return screen


async def connect_and_authorize(
    pilot: Hands, app: StationApp, rig: SimulatedForecourt, preset: str, *, by_key: bool = False
) -> None:
    """Steps 6 to 9. The nozzle is lifted and hung up at the dispenser, which reports both; ``by_key``: the
    dispenser reports nothing, so the attendant confirms them with the key (the demo's forecourt follows it)."""
    seq = rig.core.lane(LANE).sequence
    assert seq is not None
    lang = app.language
    await until(lambda: seq.step is Step.CONNECT)
    if by_key:
        await pilot.press("enter")  # nozzle connected: the key, and the demo forecourt lifts it
    else:
        rig.lift(*LANE)  # the attendant connects the nozzle: lifted, the dispenser says so
        await until(lambda: seq.next_connect_item == "valves_open")
        # The screen repaints on the lane event just after the state moved: wait for it, as a person would.
        await until(lambda: t("item.nozzle_connected.seen", lang) in text_of(app, "#items"))
    await pilot.press("enter")  # valves open: the residual pressure is read from the dispenser at once
    await until(lambda: seq.next_connect_item == "no_leak")
    assert seq.residual_centi_mpa is not None and not seq.residual_typed
    await until(lambda: t("pressure.from_dispenser", lang) in text_of(app, "#items"))
    await pilot.press("enter")  # no leak
    await until(lambda: seq.step is Step.AUTHORIZE)
    await pilot.press("a")
    await focused(app, "#preset")
    await type_and_enter(pilot, preset)
    await until(lambda: seq.step is Step.DISCONNECT, timeout=30)
    await pilot.press("enter")  # cylinder valve closed
    if by_key:
        await pilot.press("enter")  # vented and removed: the key, and the demo forecourt hangs it up
    else:
        rig.hang(*LANE)  # vented, removed and hung up: the dispenser says so
    await until(lambda: seq.step is Step.SETTLE)


async def test_cash_fill_through_the_ui(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as driver:
        pilot = Keys(driver)
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
        assert pilot.count <= 16, pilot.count  # issue 13: 19 before; the dispenser's reports take 3 keys
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
    async with app.run_test(size=(80, 24)) as driver:
        pilot = Keys(driver)
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
        await pilot.press("enter")  # farewell
        await until(lambda: isinstance(app.screen, OverviewScreen))
        assert pilot.count <= 17, pilot.count  # issue 13: 20 before; the dispenser's reports take 3 keys
    fill = rig.core.ledger.fill(fill_id)
    card = rig.core.ledger.card(number="88000001")
    assert card.held_fen == 0 and card.balance_fen == before - fill.amount_fen
    assert "****0001" in info


async def test_receipt_prints_in_the_station_language_with_the_plate(forecourt: SimulatedForecourt) -> None:
    """The attendant's screen is in English; the driver's receipt is in the station's receipt language (zh)."""
    rig = forecourt
    assert rig.core.settings.station.receipt_language == "zh"
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as driver:
        pilot = Keys(driver)
        await to_vehicle_step(pilot, app, rig, "c")
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁e 22222")
        await connect_and_authorize(pilot, app, rig, "30", by_key=True)  # the demo: keys for the nozzle
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        assert [(e.item, e.detail) for e in seq.events if e.item.startswith("nozzle_")] == [
            ("nozzle_connected", "attendant"),
            ("nozzle_vented_removed", "attendant"),
        ]
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


async def test_the_demo_panel_lifts_and_hangs_up_the_nozzle_and_the_sequence_sees_it(
    forecourt: SimulatedForecourt,
) -> None:
    """The demo's F12 panel is the attendant's hands at the dispenser: `L` lifts, `H` hangs up, no ⏎ for them."""
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as driver:
        pilot = Keys(driver)
        await to_vehicle_step(pilot, app, rig, "c")
        await focused(app, "#vehicle-plate")
        await type_and_enter(pilot, "鲁E22222")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.CONNECT)
        await until(lambda: "Nozzle connected" in screen_text(app))
        shown = screen_text(app)  # what to do, and the key that still confirms it by hand
        assert "done when the dispenser" in shown and "reports it lifted (⏎ if it does not)" in shown
        assert "⏎ Confirm" in shown
        await pilot.press("f12", "l")  # the simulated dispenser: nozzle lifted
        await until(lambda: seq.seen_items == ["nozzle_connected"])
        await until(lambda: "Nozzle connected (dispenser reported)" in screen_text(app))
        await pilot.press("enter", "enter")  # valves open (the gauge read at once), no leak
        await until(lambda: seq.step is Step.AUTHORIZE)
        assert seq.residual_centi_mpa is not None and not seq.residual_typed
        await pilot.press("a")
        await focused(app, "#preset")
        await type_and_enter(pilot, "10")
        await until(lambda: seq.step is Step.DISCONNECT, timeout=30)
        await pilot.press("enter")  # cylinder valve closed
        await pilot.press("f12", "h")  # the simulated dispenser: nozzle hung up
        await until(lambda: seq.step is Step.SETTLE)
        assert seq.seen_items == ["nozzle_connected", "nozzle_vented_removed"]
        # back from the panel, the step's field has the focus: the cash goes straight in
        await focused(app, "#tendered")
        await type_and_enter(pilot, "20")
        await until(lambda: "counterfeit" in screen_text(app).lower())
