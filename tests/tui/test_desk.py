"""The manager's desk through Textual's pilot: a shift opened, run, dropped, counted, closed and reconciled.

UI → ManagerDesk → ledger services and the dispenser bus → simulators. Every figure of the reconciliation is
checked against values computed here by hand from the fills; the CSV export is parsed back.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from station.config import load_settings
from station.core.desk import ManagerDesk
from station.core.lanes import NozzleState as LaneState
from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import CoreRefused, StationCore
from station.devices.printer_sim import decode_escpos_text
from station.ledger.checks import check_ledger
from station.ledger.db import make_engine, upgrade
from station.ledger.fills import FillRecord
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import DENOMINATIONS_FEN, Reconciliation
from station.money import amount_for, format_yuan
from station.seed import seed_demo
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.modals.day_close import DayCloseConfirmScreen
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.desk.cash_drop import CashDropScreen
from station.tui.screens.desk.menu import ManagerDeskScreen
from station.tui.screens.desk.prices import PriceScreen
from station.tui.screens.desk.reconciliation import ReconciliationScreen
from station.tui.screens.desk.reports import ReportsScreen
from station.tui.screens.desk.shifts import CloseShiftScreen, OpenShiftScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.core.test_core_fill import walk_to_authorize

# The desk's tests open and close shifts themselves.
pytestmark = pytest.mark.no_shift

LANE = (1, 1)
NOZZLES = [(1, 1), (1, 2), (2, 1), (2, 2)]


def text_of(app: StationApp, selector: str) -> str:
    """The text of a Static on the current screen ("" while it is not there yet)."""
    try:
        return str(app.screen.query_one(selector, Static).render())
    except NoMatches:
        return ""


async def type_and_enter(pilot: Any, text: str) -> None:
    if text:
        await pilot.press(*list(text))
    await pilot.press("enter")


async def login(pilot: Any, app: StationApp, number: str, pin: str) -> None:
    assert isinstance(app.screen, LoginScreen)
    await type_and_enter(pilot, number)
    await type_and_enter(pilot, pin)
    await until(lambda: isinstance(app.screen, OverviewScreen))


async def open_desk(pilot: Any, app: StationApp, export_dir: Path | None = None) -> ManagerDeskScreen:
    desk = ManagerDeskScreen(export_dir=export_dir)
    app.push_screen(desk)
    await until(lambda: app.screen is desk and "钱箱" in text_of(app, "#desk-status"))
    return desk


def count_for(fen: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for d in DENOMINATIONS_FEN:
        out[d], fen = divmod(fen, d)
    assert fen == 0
    return out


async def fill(rig: SimulatedForecourt, payment: PaymentKind, preset_fen: int) -> int:
    """One fill through the core as an attendant (the fuelling screens have their own pilot tests)."""
    core = rig.core
    await walk_to_authorize(rig, payment)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, preset_fen))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    # on its hook before the next car's lift: that lift is then reported, and connects the next nozzle
    await until(lambda: core.lane(LANE).state is LaneState.IDLE)
    if payment is PaymentKind.CASH:
        result = await core.settle_cash(LANE, 10_000)
    else:
        result = await core.settle_card(LANE)
    await core.farewell(LANE)
    return result.fill.id


def csv_pairs(path: Path, section: str) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and r[0] == section]
    return {r[1]: r[2] for r in rows[1:]}


async def test_shift_end_to_end_through_the_desk(forecourt: SimulatedForecourt, tmp_path: Path) -> None:
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    exports = tmp_path / "exports"
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        desk = await open_desk(pilot, app, exports)
        assert "没有当班班次" in text_of(app, "#desk-status")

        # ---- open: the totalizers come from the simulator, nothing to type
        opening = {key: rig.dispensers.totalizer(*key) for key in NOZZLES}
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, OpenShiftScreen) and "全部泵码" in text_of(app, "#reading"))
        assert {i.id for i in app.screen.query(Input) if i.display} == {"attendants", "float"}
        await type_and_enter(pilot, "1001")
        await type_and_enter(pilot, "500")
        await until(lambda: app.screen is desk)
        shift_id = ledger.current_shift()
        assert shift_id is not None
        rec = ShiftDesk(ledger).reconciliation(shift_id)
        for n in rec.nozzles:
            assert (n.opening_quantity_centi, n.opening_amount_fen) == opening[(n.dispenser, n.nozzle)]
            assert not n.opening_typed
        assert rec.cash.opening_float_fen == 50_000 and rec.attendants == ("1001 李加气",)

        # ---- the shift: a cash fill, a card fill, a cash recharge (fills through the core as the attendant)
        card_before = ledger.card(number="88000001").balance_fen
        cash_fill = ledger.fill(await fill(rig, PaymentKind.CASH, 3000))
        card_fill = ledger.fill(await fill(rig, PaymentKind.CARD, 2000))
        assert ledger.card(number="88000001").balance_fen == card_before - card_fill.amount_fen
        manager = await core.login("9001", "9999")
        ledger.recharge(manager, "88000002", 10_000)

        # ---- a drop at the desk
        await pilot.press("d")
        await until(lambda: isinstance(app.screen, CashDropScreen) and "钱箱现金" in text_of(app, "#drawer"))
        await type_and_enter(pilot, "200")
        drawer_after = 50_000 + cash_fill.amount_fen + 10_000 - 20_000
        await until(lambda: "已解款" in text_of(app, "#desk-message"))
        assert f"¥{format_yuan(drawer_after)}" in text_of(app, "#drawer")
        await pilot.press("escape")
        await until(lambda: app.screen is desk)

        # ---- close: closing totalizers read, the drawer counted by denomination, to the fen
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, CloseShiftScreen) and "全部泵码" in text_of(app, "#reading"))
        close_screen = app.screen
        count = count_for(drawer_after)
        assert any(count[d] for d in (5, 2, 1)) or drawer_after % 10 == 0
        for d in DENOMINATIONS_FEN:
            await type_and_enter(pilot, str(count[d]) if count[d] else "")
        assert f"¥{format_yuan(drawer_after)}" in text_of(app, "#counted")
        await type_and_enter(pilot, "")  # no note: nothing to explain
        await until(lambda: isinstance(app.screen, ReconciliationScreen))
        preview = app.screen
        assert isinstance(preview, ReconciliationScreen) and preview.preview
        assert "回车 确认交班" in text_of(app, "#preview-banner")
        assert ledger.current_shift() == shift_id  # nothing closed before the manager confirms
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ReconciliationScreen) and not app.screen.preview)
        assert close_screen not in app.screen_stack
        screen = app.screen
        assert isinstance(screen, ReconciliationScreen)
        rec = screen.rec
        assert ledger.current_shift() is None and rec.status == "closed"

        # ---- every figure, by hand
        closing = {key: rig.dispensers.totalizer(*key) for key in NOZZLES}
        fills_qty = cash_fill.quantity_centi + card_fill.quantity_centi
        assert_figures(rec, opening, closing, cash_fill.amount_fen, card_fill.amount_fen, fills_qty)
        shown = text_of(app, "#rec")
        line_of = {key: next(line for line in shown.splitlines() if key in line) for key in ("应有现金", "长短款")}
        assert line_of["应有现金"].split()[-1] == format_yuan(drawer_after)
        assert "0.00 ✓ 相符" in line_of["长短款"]
        for figure in (drawer_after, cash_fill.amount_fen, card_fill.amount_fen, 10_000, 20_000, 50_000):
            assert format_yuan(figure) in shown
        assert "各项相符" in shown and "长短款" in shown and "相符" in shown

        # ---- export (CSV parsed back), print, sign off
        await pilot.press("e")
        await until(lambda: screen.exported is not None)
        assert screen.exported is not None and screen.exported.parent == exports
        assert str(screen.exported) in text_of(app, "#desk-message")
        cash = csv_pairs(screen.exported, "cash")
        assert cash["备用金"] == "500.00"
        assert cash["现金售气"] == format_yuan(cash_fill.amount_fen)
        assert cash["现金充值"] == "100.00" and cash["解款入保险柜"] == "200.00"
        assert cash["应有现金"] == cash["实点现金"] == format_yuan(drawer_after) and cash["长短款"] == "0.00"
        cards = csv_pairs(screen.exported, "cards")
        assert cards["卡加气金额"] == cards["卡扣款"] == format_yuan(card_fill.amount_fen)
        assert cards["扣款差异"] == "0.00" and cards["未解灰锁"] == "0"
        with screen.exported.open(encoding="utf-8-sig", newline="") as handle:
            nozzle_rows = [r for r in csv.reader(handle) if r and r[0] == "nozzles"][1:]
        assert [r[1] for r in nozzle_rows] == ["1/1", "1/2", "2/1", "2/2"]
        assert nozzle_rows[0][4] == f"{fills_qty // 100}.{fills_qty % 100:02d}" and nozzle_rows[0][7] == "0.00"

        await pilot.press("p")
        await until(lambda: "已打印" in text_of(app, "#desk-message"))
        printed = decode_escpos_text(rig.receipts_file.read_bytes())
        assert "交接班报表" in printed and format_yuan(drawer_after) in printed

        await pilot.press("s")
        await until(lambda: screen.rec.signed_off_at is not None)
        assert "已审核签字" in text_of(app, "#desk-message")
        assert ShiftDesk(ledger).reconciliation(shift_id).signed_off_by == "9001 王站长"

        # ---- a price change pushed to every dispenser and read back
        await pilot.press("escape")
        await until(lambda: app.screen is desk)
        await pilot.press("p")
        await until(lambda: isinstance(app.screen, PriceScreen))
        price_screen = app.screen
        assert isinstance(price_screen, PriceScreen)
        await type_and_enter(pilot, "4.80")
        await type_and_enter(pilot, "气源涨价")
        await type_and_enter(pilot, "")  # effective now
        await until(lambda: price_screen.result is not None)
        result = price_screen.result
        assert result is not None and result.pushed_now and not result.unconfirmed
        assert [p.dispenser for p in result.dispensers] == [1, 2]
        assert "调价完成" in text_of(app, "#desk-message")
        assert text_of(app, "#push").count("✓") == 2
    assert ledger.unit_price("CNG", 0) == 480
    for address in (1, 2):
        assert await rig.bus.read_prices(address) == {1: 480, 2: 480}
        assert all(z.price == 480 for z in rig.dispensers.dispensers[address].nozzles.values())
    assert check_ledger(ledger.engine).ok


def assert_figures(
    rec: Reconciliation,
    opening: dict[tuple[int, int], tuple[int, int]],
    closing: dict[tuple[int, int], tuple[int, int]],
    cash_fen: int,
    card_fen: int,
    fills_qty: int,
) -> None:
    # nozzles: totalizer delta vs the recorded fills; both fills on 1/1, nothing elsewhere
    for n in rec.nozzles:
        key = (n.dispenser, n.nozzle)
        assert (n.opening_quantity_centi, n.opening_amount_fen) == opening[key]
        assert (n.closing_quantity_centi, n.closing_amount_fen) == closing[key]
        assert n.delta_quantity_centi == closing[key][0] - opening[key][0]
        expected_qty = fills_qty if key == LANE else 0
        assert n.fills_quantity_centi == expected_qty and n.fill_count == (2 if key == LANE else 0)
        assert n.variance_quantity_centi == 0 and n.variance_amount_fen == 0 and not n.flagged
    assert rec.fill_count == 2 and rec.quantity_centi == fills_qty and rec.sales_fen == cash_fen + card_fen
    # cash: float + cash sales + cash recharges − drops − refunds vs counted
    c = rec.cash
    assert (c.opening_float_fen, c.cash_sales_fen, c.cash_sale_count) == (50_000, cash_fen, 1)
    assert (c.recharges_fen, c.recharge_count, c.fees_fen, c.refunds_fen, c.other_fen) == (10_000, 1, 0, 0, 0)
    assert c.drops_fen == 20_000 and len(c.drops) == 1 and c.drops[0].attendant == "9001 王站长"
    expected = 50_000 + cash_fen + 10_000 - 20_000
    assert c.expected_fen == c.counted_fen == expected and c.over_short_fen == 0
    assert sum(d * n for d, n in c.count) == expected
    # cards: debits vs card fills, recharges vs receipts, holds
    k = rec.cards
    assert (k.card_fill_count, k.card_fills_fen, k.card_debits_fen, k.debit_variance_fen) == (1, card_fen, card_fen, 0)
    assert (k.recharge_count, k.recharges_fen, k.open_holds, k.internal_fill_count) == (1, 10_000, (), 0)
    # timers per attendant, unpaid, voids, overrides, price changes
    assert [(t.attendant, t.fill_count, t.flow_timed, t.commit_timed) for t in rec.timers] == [("1001 李加气", 2, 2, 2)]
    assert rec.unpaid_fills == () and rec.reversals == () and rec.overrides == () and rec.price_changes == ()
    assert rec.problems == () and not rec.needs_note


async def test_manager_only_actions_refused_for_an_attendant(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "1001", "1234")
        desk = await open_desk(pilot, app)
        for key in ("o", "c", "p", "r"):
            await pilot.press(key)
            await until(lambda: isinstance(app.screen, ManagerAuthScreen))
            await type_and_enter(pilot, "1001")
            await type_and_enter(pilot, "1234")
            await type_and_enter(pilot, "试试")
            await until(lambda: app.screen is desk and "只有站长可以操作" in text_of(app, "#desk-message"))
            assert desk.manager is None
        await pilot.press("f2")  # the desk follows the language switch
        await until(lambda: "Open a shift" in text_of(app, "#desk-menu"))
        assert "Manager's desk" in text_of(app, "#desk-title") and "Cash in the drawer" in text_of(app, "#desk-status")
        await pilot.press("f2")
        await until(lambda: "开班" in text_of(app, "#desk-menu"))
        # an attendant may drop cash, but only into a shift's books: with none open it is refused
        drawer = ledger.drawer_cash()
        await pilot.press("d")
        await until(lambda: isinstance(app.screen, CashDropScreen))
        await type_and_enter(pilot, "100")
        await until(lambda: "没有当班班次" in text_of(app, "#desk-message"))
    assert ledger.current_shift() is None and ledger.unit_price("CNG", 0) == 450
    assert ledger.drawer_cash() == drawer
    # and at the service layer, whatever the screens do
    attendant = core.actor
    assert attendant is not None and not attendant.is_manager
    service = ManagerDesk(core)
    readings = await service.read_totalizers()
    totals = ManagerDesk.totalizers(readings)
    attempts: list[Callable[[], Any]] = [
        lambda: service.open_shift(attendant, ["1001"], 50_000, totals),
        lambda: service.close_shift(attendant, totals, {10000: 1}),
        lambda: service.set_price(attendant, "CNG", 0, 500, "x"),
        lambda: service.day_close(attendant),
    ]
    for attempt in attempts:
        with pytest.raises(CoreRefused) as refused:
            await attempt()
        assert refused.value.code == "manager_only"
    assert ledger.current_shift() is None and ledger.unit_price("CNG", 0) == 450


async def test_offline_dispenser_typed_and_price_unconfirmed(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    silent = rig.dispensers.dispensers.pop(2)  # dispenser 2 stops answering
    app = StationApp(core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        desk = ManagerDeskScreen()
        app.push_screen(desk)
        await until(lambda: app.screen is desk)
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, OpenShiftScreen) and "did not answer" in text_of(app, "#reading"))
        await type_and_enter(pilot, "1001")
        await type_and_enter(pilot, "0")
        await type_and_enter(pilot, "1234.56")  # 2/1 quantity, typed from the dispenser's display
        await type_and_enter(pilot, "5555.52")  # 2/1 amount
        await type_and_enter(pilot, "x")  # 2/2 quantity: not a number
        await type_and_enter(pilot, "")  # 2/2 amount left empty: Enter on the last field tries to open
        await until(lambda: "Type a number" in text_of(app, "#desk-message"))
        assert ledger.current_shift() is None
        app.screen.query_one("#open-2-2-q", Input).value = "10"
        await type_and_enter(pilot, "")
        await type_and_enter(pilot, "45")
        await until(lambda: app.screen is desk)
        rec = ShiftDesk(ledger).reconciliation()
        typed = {
            (n.dispenser, n.nozzle): (n.opening_quantity_centi, n.opening_amount_fen, n.opening_typed)
            for n in rec.nozzles
        }
        assert typed[(2, 1)] == (123456, 555552, True) and typed[(2, 2)] == (1000, 4500, True)
        assert typed[(1, 1)] == (*rig.dispensers.totalizer(1, 1), False)

        await pilot.press("p")
        await until(lambda: isinstance(app.screen, PriceScreen))
        price_screen = app.screen
        assert isinstance(price_screen, PriceScreen)
        await type_and_enter(pilot, "4.60")
        await type_and_enter(pilot, "supplier")
        await type_and_enter(pilot, "")
        await until(lambda: price_screen.result is not None)
        assert price_screen.result is not None and price_screen.result.unconfirmed == (2,)
        push = text_of(app, "#push")
        assert "✓ Dispenser 1 confirmed" in push and "✗ Dispenser 2 not confirmed: Dispenser offline" in push
        assert "did not confirm" in text_of(app, "#desk-message")

        # close with ¥100 too many in the drawer and no note: refused, explained, then closed with a note
        await pilot.press("escape")
        await until(lambda: app.screen is desk)
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, CloseShiftScreen) and "did not answer" in text_of(app, "#reading"))
        close_screen = app.screen
        await type_and_enter(pilot, "1")  # one ¥100 note
        for _ in DENOMINATIONS_FEN[1:]:
            await pilot.press("enter")
        await type_and_enter(pilot, "")  # no note
        for value in ("1234.56", "5555.52", "10", "45"):  # dispenser 2 still silent: typed
            await type_and_enter(pilot, value)
        await until(lambda: isinstance(app.screen, ReconciliationScreen))
        assert "a manager's note is required" in text_of(app, "#preview-banner")
        assert "cash over" in text_of(app, "#preview-banner")
        await pilot.press("enter")  # confirm anyway: the service refuses
        await until(lambda: app.screen is close_screen and "note is required" in text_of(app, "#desk-message"))
        assert ledger.current_shift() is not None
        assert app.screen.focused is app.screen.query_one("#note", Input)
        await pilot.press(*"found in the safe bag")
        for _ in range(5):  # the note, then the four typed totalizers already filled in
            await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ReconciliationScreen))
        assert "Enter closes the shift" in text_of(app, "#preview-banner")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ReconciliationScreen) and not app.screen.preview)
        closed = app.screen
        assert isinstance(closed, ReconciliationScreen)
        assert closed.rec.cash.over_short_fen == 10_000 and closed.rec.note == "found in the safe bag"
        assert all(n.closing_typed == (n.dispenser == 2) for n in closed.rec.nozzles)
        assert "Variance note: found in the safe bag" in text_of(app, "#rec")
    assert ledger.current_shift() is None
    rig.dispensers.dispensers[2] = silent
    assert ledger.unit_price("CNG", 0) == 460  # recorded and audited all the same


# ---------------------------------------------------------------------------------------------- snapshots

ROOT = Path(__file__).resolve().parents[2]


class StepClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)  # 08:00 at the station

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)


def seeded_reconciliation(tmp_path: Path) -> tuple[StationCore, Reconciliation]:
    """A closed shift on fixed data: a cash and a card fill, a recharge, a drop, 0.50 short, 2/1 typed."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    settings = load_settings(ROOT / "config" / "station.toml")
    clock = StepClock()
    ledger = Ledger(make_engine(url), settings, b"d" * 32, clock=clock)
    ledger.bootstrap()
    manager = seed_demo(ledger, today=clock.now.date())
    attendant = ledger.authenticate("1001", "1234")
    shifts = ShiftDesk(ledger)
    opening = {(1, 1): (100_000, 450_000, False), (1, 2): (50_000, 225_000, False)}
    opening |= {(2, 1): (20_000, 90_000, True), (2, 2): (0, 0, False)}
    clock.advance(5)
    shifts.open_shift(manager, ["1001"], 50_000, opening)

    def fill(number: int, nozzle: tuple[int, int], quantity: int) -> int:
        clock.advance(10)
        record = FillRecord(
            dispenser=nozzle[0],
            nozzle=nozzle[1],
            transaction_number=number,
            product_code="CNG",
            unit="kg",
            unit_price_fen=450,
            quantity_centi=quantity,
            dispenser_amount_fen=amount_for(450, quantity),
            started_at=clock.now - dt.timedelta(minutes=3),
            ended_at=clock.now,
        )
        return ledger.record_fill(record, attendant=attendant, engine_off_to_flow_ms=24_000 + number * 5_000).id

    f1 = fill(1, (1, 1), 1520)  # 68.40 cash
    ledger.settle_cash(attendant, f1, 10_000, fill_end_to_commit_ms=40_000)
    f2 = fill(2, (1, 2), 1111)  # 50.00 (49.995) on card 88000001
    ledger.settle_card(attendant, f2, "88000001", fill_end_to_commit_ms=75_000)
    clock.advance(20)
    ledger.recharge(attendant, "88000002", 20_000)
    ledger.cash_drop(manager, 10_000)
    clock.advance(60)
    closing = {(1, 1): (101_520, 456_840, False), (1, 2): (51_111, 230_000, False)}
    closing |= {(2, 1): (20_000, 90_000, True), (2, 2): (0, 0, False)}
    expected = 50_000 + 6840 + 20_000 - 10_000
    count = count_for(expected - 50)  # fifty fen short
    rec = shifts.close_shift(manager, closing, count, "少收五角,已告知加气员")
    core = StationCore(ledger, settings)
    core.actor = manager
    return core, dataclasses.replace(rec, audit_head="0" * 64)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reconciliation_snapshot(snap_compare: Callable[..., bool], tmp_path: Path, lang: str) -> None:
    core, rec = seeded_reconciliation(tmp_path)
    assert rec.cash.over_short_fen == -50 and rec.problems == ("cash_short",)

    async def before(pilot: Any) -> None:
        await pilot.app.push_screen(ReconciliationScreen(rec, manager=core.actor))
        await pilot.pause()

    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


async def test_price_in_the_past_refused_and_confirmed_means_the_new_price(forecourt: SimulatedForecourt) -> None:
    core = forecourt.core
    ledger = core.ledger
    service = ManagerDesk(core)
    manager = ledger.authenticate("9001", "9999")
    with pytest.raises(CoreRefused) as refused:
        await service.set_price(manager, "CNG", 0, 500, "typo", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert refused.value.code == "price_in_past" and ledger.unit_price("CNG", 0) == 450
    # A price 30 s old (within the tolerance for "now") but older than the one in force never takes effect:
    # the dispensers read back the price in force, so no dispenser may be reported as confirming it.
    first = await service.set_price(manager, "CNG", 0, 470, "supplier")
    assert first.unconfirmed == ()
    late = await service.set_price(manager, "CNG", 0, 480, "late", ledger.now() - dt.timedelta(seconds=30))
    assert ledger.unit_price("CNG", 0) == 470
    assert late.unconfirmed == tuple(service.dispensers)
    assert all(set(p.read_back.values()) == {470} for p in late.dispensers)


async def test_day_close_asks_first_refuses_while_anything_is_open_then_closes_the_day(
    forecourt: SimulatedForecourt,
) -> None:
    core = forecourt.core
    ledger = core.ledger
    service = ManagerDesk(core)
    shifts = ShiftDesk(ledger)
    manager = ledger.authenticate("9001", "9999")
    totals = ManagerDesk.totalizers(await service.read_totalizers())
    shift = shifts.open_shift(manager, ["1001"], 0, totals)
    now = ledger.now()
    price = ledger.unit_price("CNG")
    unpaid = ledger.record_fill(
        FillRecord(1, 1, 9_999, "CNG", "kg", price, 100, amount_for(price, 100), now, now, 300, 2000, 0, 100)
    )
    app = StationApp(core, sim=forecourt, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        await open_desk(pilot, app)
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, ReportsScreen))
        reports_screen = app.screen

        async def close_day() -> None:
            await pilot.press("k")
            await until(lambda: isinstance(app.screen, DayCloseConfirmScreen))
            hint = text_of(app, "#day-close-text")
            assert "确认日结" in hint and "⏎" in hint and "Esc" in hint and "返回" in hint
            await pilot.press("enter")
            await until(lambda: app.screen is reports_screen)

        # Esc goes back and closes nothing
        await pilot.press("k")
        await until(lambda: isinstance(app.screen, DayCloseConfirmScreen))
        await pilot.press("escape")
        await until(lambda: app.screen is reports_screen)
        await close_day()
        await until(lambda: f"第 {shift} 班仍在当班" in text_of(app, "#desk-message"))
        shifts.close_shift(manager, totals | {(1, 1): (totals[(1, 1)][0] + 100, totals[(1, 1)][1], False)}, {}, "x")
        await close_day()
        await until(
            lambda: f"#{unpaid.id}" in text_of(app, "#desk-message") and "未付" in text_of(app, "#desk-message")
        )
        ledger.clear_unpaid_fill(manager, unpaid.id, "drove off")
        await close_day()
        await until(lambda: f"第 {shift} 班未审核" in text_of(app, "#desk-message"))
        shifts.sign_off(manager, shift)
        await close_day()
        await until(lambda: "已日结" in text_of(app, "#desk-message"))
    # the day is closed for writes: no new shift on it
    with pytest.raises(CoreRefused) as refused:
        await service.open_shift(
            manager, ["1001"], 0, totals | {(1, 1): (totals[(1, 1)][0] + 100, totals[(1, 1)][1], False)}
        )
    assert refused.value.code == "day_closed"


async def test_between_shift_fill_and_carried_drawer_at_the_desk(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    service = ManagerDesk(core)
    shifts = ShiftDesk(ledger)
    manager = ledger.authenticate("9001", "9999")
    shifts.open_shift(manager, ["1001"], 0, ManagerDesk.totalizers(await service.read_totalizers()))
    shifts.close_shift(manager, ManagerDesk.totalizers(await service.read_totalizers()), {})
    # The dispenser sells with no shift open: the sale is recorded into the between-shifts bucket.
    gap_fill = ledger.fill(await fill(rig, PaymentKind.CASH, 3000))
    assert ledger.current_shift() is None
    core.logout()
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        desk = await open_desk(pilot, app)
        await pilot.press("o")
        await until(lambda: isinstance(app.screen, OpenShiftScreen) and "全部泵码" in text_of(app, "#reading"))
        await until(lambda: "上班交班清点 0.00 元" in text_of(app, "#carried"))
        await type_and_enter(pilot, "1001")
        await type_and_enter(pilot, "100")  # a float the last count did not leave: a note is required
        await until(lambda: "必须填写说明" in text_of(app, "#desk-message"))
        assert ledger.current_shift() is None
        assert app.screen.focused is app.screen.query_one("#open-note", Input)
        await type_and_enter(pilot, "从保险柜取备用金")
        await until(lambda: app.screen is desk)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ReconciliationScreen))
        text = text_of(app, "#rec")
        assert "交班间隙" in text and f"#{gap_fill.id} 1/1" in text
        assert "备用金差异" in text and "接班说明: 从保险柜取备用金" in text
    rec = shifts.reconciliation()
    assert rec.between_shifts is not None and [f.fill_id for f in rec.between_shifts.fills] == [gap_fill.id]
    assert rec.cash.expected_fen == 10_000 + gap_fill.amount_fen and not rec.flagged_nozzles
    assert check_ledger(ledger.engine).ok


async def test_the_demo_opens_its_first_shift_once(forecourt: SimulatedForecourt) -> None:
    from station.simrig import open_first_shift

    ledger = forecourt.core.ledger
    shift = await open_first_shift(forecourt.core)
    assert shift is not None and ledger.current_shift() == shift
    rec = ShiftDesk(ledger).reconciliation(shift)
    assert rec.attendants == ("1001 李加气",) and rec.cash.opening_float_fen == 0
    assert all(not n.opening_typed for n in rec.nozzles)
    assert await open_first_shift(forecourt.core) is None
    ledger.recharge(ledger.authenticate("1001", "1234"), "88000002", 1_000)  # a working station: money is taken


async def test_an_earlier_unsigned_shift_is_reached_with_arrows_and_signed_so_the_day_closes(
    forecourt: SimulatedForecourt,
) -> None:
    """Found in the tmux walk: day close said "shift 1 not signed off" and R showed only the latest shift."""
    core = forecourt.core
    ledger = core.ledger
    service = ManagerDesk(core)
    shifts = ShiftDesk(ledger)
    manager = ledger.authenticate("9001", "9999")
    totals = ManagerDesk.totalizers(await service.read_totalizers())
    first = ledger.current_shift() or shifts.open_shift(manager, ["1001"], 0, totals)
    shifts.close_shift(manager, totals, {})
    second = shifts.open_shift(manager, ["1001"], 0, totals)
    shifts.close_shift(manager, totals, {})
    shifts.sign_off(manager, second)  # the latest is signed; the one before is not
    app = StationApp(core, sim=forecourt, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        desk = await open_desk(pilot, app)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ReconciliationScreen) and f"第 {second} 班" in text_of(app, "#rec"))
        await pilot.press("left")
        await until(lambda: f"第 {first} 班" in text_of(app, "#rec"))
        await pilot.press("left")  # nothing before the first shift: said, and the screen stays
        await until(lambda: "没有更早的班次" in text_of(app, "#desk-message"))
        assert f"第 {first} 班" in text_of(app, "#rec")
        await pilot.press("s")
        await until(lambda: f"第 {first} 班已审核签字" in text_of(app, "#desk-message"))
        await pilot.press("right")
        await until(lambda: f"第 {second} 班" in text_of(app, "#rec"))
        await pilot.press("escape")
        await until(lambda: app.screen is desk)
    assert all(s.signed_off for s in shifts.shifts() if s.status == "closed")
    await service.day_close(manager)  # nothing left unsigned: the day closes


async def test_a_count_that_is_not_whole_is_said_at_once_and_enter_stays_on_it(forecourt: SimulatedForecourt) -> None:
    """Found in the tmux walk: 1.5 fifty-yuan notes left the total stale and ⏎ walked on with no word."""
    core = forecourt.core
    shifts = ShiftDesk(core.ledger)
    manager = core.ledger.authenticate("9001", "9999")
    if core.ledger.current_shift() is None:
        shifts.open_shift(manager, ["1001"], 0, ManagerDesk.totalizers(await ManagerDesk(core).read_totalizers()))
    app = StationApp(core, sim=forecourt, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        await open_desk(pilot, app)
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, CloseShiftScreen) and "全部泵码" in text_of(app, "#reading"))
        await type_and_enter(pilot, "0")  # 100 yuan
        fifty = app.screen.query_one("#count-5000", Input)
        assert fifty.has_focus
        await pilot.press(*"1.5")
        await until(lambda: "✗ 50 元" in text_of(app, "#counted") and "整数" in text_of(app, "#counted"))
        await pilot.press("enter")
        await until(lambda: "整数" in text_of(app, "#desk-message"))
        assert fifty.has_focus and isinstance(app.screen, CloseShiftScreen)  # not walked past, nothing closed
        await pilot.press("backspace", "backspace")
        await until(lambda: "¥50.00" in text_of(app, "#counted"))
        await pilot.press("enter")
        await until(lambda: app.screen.query_one("#count-2000", Input).has_focus)
        assert text_of(app, "#desk-message") == ""
    assert core.ledger.current_shift() is not None


async def test_a_mistyped_drop_is_refused_by_name_and_moves_no_cash(forecourt: SimulatedForecourt) -> None:
    """The desk reads typed yuan as the forecourt does: the field named, the fault said, nothing dropped."""
    rig, core = forecourt, forecourt.core
    ledger = core.ledger
    from station.simrig import open_first_shift

    assert await open_first_shift(core) is not None
    manager = ledger.authenticate("9001", "9999")
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app, "9001", "9999")
        ledger.recharge(manager, "88000002", 20_000)  # cash in the drawer to drop
        desk = await open_desk(pilot, app)
        drawer = ledger.drawer_cash()
        await pilot.press("d")
        await until(lambda: isinstance(app.screen, CashDropScreen) and "钱箱现金" in text_of(app, "#drawer"))
        field = app.screen.query_one("#amount", Input)
        for typed, said in (
            ("-1", "投库金额(元):不能为负数"),
            ("1e9", "投库金额(元):请输入数字"),
            (".", "投库金额(元):请输入数字"),
            ("0", "投库金额(元):必须大于零"),
            ("1.234", "投库金额(元):最多 2 位小数"),
        ):
            field.value = ""
            await type_and_enter(pilot, typed)
            await until(lambda said=said: said in text_of(app, "#desk-message"))
            assert ledger.drawer_cash() == drawer, typed
        field.value = ""
        await type_and_enter(pilot, "１００")  # full-width digits read as digits
        await until(lambda: "已解款" in text_of(app, "#desk-message"))
        assert ledger.drawer_cash() == drawer - 10_000
        await pilot.press("escape")
        await until(lambda: app.screen is desk)


async def test_the_desk_shows_today_s_company_card_fills_taken_offline(forecourt: SimulatedForecourt) -> None:
    """A company card taken offline is the station's risk until head office debits it: the manager sees it on the
    desk's first screen."""
    from station.ledger.company_cards import OFFLINE, CompanyHoldPlan
    from tests.ledger.helpers import record

    core = forecourt.core
    ledger = core.ledger
    ledger.apply_hq_pull({"version": 1, "balances": [{"card_no": "88000001", "balance_fen": 50_000}]})
    attendant = await core.login("1001", "1234")
    hold = ledger.place_hold(attendant, "88000001", 3_000, 2, 2, company=CompanyHoldPlan("DY-0001:x", OFFLINE))
    fill = ledger.record_fill(record(90, 500, dispenser=2, nozzle=2), attendant=attendant)
    ledger.settle_card(attendant, fill.id, "88000001", hold_id=hold)
    app = StationApp(core, sim=forecourt, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await open_desk(pilot, app)
        await until(lambda: "一卡通今日脱机受理 1 笔" in text_of(app, "#desk-status"))
        assert f"¥{format_yuan(fill.amount_fen)}" in text_of(app, "#desk-status")
