"""Card services at the counter, driven through the terminal with Textual's pilot (issue 5, SPEC §4, §10).

UI → CardDesk → ledger (SQLite with the sample data) → receipt printer simulator. Attendant 1001/1234 is logged
in; manager 9001/9999 types into the manager modal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from station.core.sequence import PaymentKind, PresetChoice, PresetKind, Step
from station.core.station import CoreRefused, StationCore
from station.devices.printer_sim import decode_escpos_text
from station.i18n import Language
from station.ledger.checks import check_ledger
from station.ledger.errors import NotFound, Refused
from station.ledger.fills import FillRecord
from station.ledger.models import CardStatus, FillStatus, Role
from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.cards import CardServicesScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.core.test_core_fill import connect_seen
from tests.tui.test_fill_pilot import type_and_enter

MANAGER = ("9001", "9999")
ATTENDANT = ("1001", "1234")
LANE = (1, 1)


# ---------------------------------------------------------------------------------------------- helpers


def message(screen: CardServicesScreen) -> str:
    return str(screen.query_one("#cards-message", Static).render())


def panel(screen: CardServicesScreen) -> str:
    return str(screen.query_one("#card-panel", Static).render())


def info(screen: CardServicesScreen) -> str:
    return str(screen.query_one("#info-text", Static).render())


async def login(pilot: Any, app: StationApp) -> None:
    """Attendant 1001 logs in on the login screen (values set, Enter pressed: the fill tests type them)."""
    assert isinstance(app.screen, LoginScreen)
    app.screen.query_one("#number", Input).value = ATTENDANT[0]
    app.screen.query_one("#pin", Input).value = ATTENDANT[1]
    app.screen.query_one("#pin", Input).focus()
    await pilot.press("enter")
    await until(lambda: isinstance(app.screen, OverviewScreen))


async def open_cards(pilot: Any, app: StationApp) -> CardServicesScreen:
    await login(pilot, app)
    screen = CardServicesScreen()
    await app.push_screen(screen)
    await pilot.pause()
    return screen


async def show_card(pilot: Any, screen: CardServicesScreen, number: str) -> None:
    screen.query_one("#card-number", Input).focus()
    screen.query_one("#card-number", Input).value = ""
    await type_and_enter(pilot, number)
    await until(lambda: screen.card is not None and screen.card.number == number)


async def fill_form(pilot: Any, screen: CardServicesScreen, values: dict[str, str]) -> None:
    """Type into each visible field in order, Enter after each; the Enter in the last field submits.

    The visible fields are read again after each one: the card type decides whether a credit limit follows."""
    index = 0
    while index < len(fields := screen._visible_fields()):
        field_id = fields[index]
        widget = screen.query_one(f"#{field_id}", Input)
        widget.focus()
        widget.value = values.get(field_id, "")  # typed key by key in the recharge test; here it is set
        if field_id in values or index == len(fields) - 1:
            await pilot.press("enter")
        index += 1


async def manager_modal(pilot: Any, app: StationApp, number: str, pin: str, reason: str = "客户申请") -> None:
    await until(lambda: isinstance(app.screen, ManagerAuthScreen))
    modal = app.screen
    for field_id, value in (("mgr-number", number), ("mgr-pin", pin), ("mgr-reason", reason)):
        modal.query_one(f"#{field_id}", Input).value = value
        modal.query_one(f"#{field_id}", Input).focus()
        await pilot.press("enter")
    await until(lambda: app.screen is not modal)


async def settled(pilot: Any, screen: CardServicesScreen, app: StationApp) -> None:
    await until(lambda: app.screen is screen and not screen.busy)
    await pilot.pause()
    await until(lambda: not screen.busy)


def receipts(rig: SimulatedForecourt) -> str:
    path = rig.receipts_file
    return decode_escpos_text(path.read_bytes()) if path.exists() else ""


def balance(rig: SimulatedForecourt, number: str) -> int:
    return rig.core.ledger.card(number=number).balance_fen


# ---------------------------------------------------------------------------------------------- recharge, lost


async def test_recharge_prints_a_receipt_whose_amount_is_the_recharge(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    drawer = rig.core.ledger.drawer_cash()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        rig.present_card("04A1B2C3")  # the driver's card on the reader
        await until(lambda: screen.card is not None and screen.card.number == "88000001")
        assert "张师傅" in panel(screen) and "500.00" in panel(screen) and "鲁E12345" in panel(screen)
        await pilot.press("r")
        await type_and_enter(pilot, "100.50")
        await until(lambda: balance(rig, "88000001") == 60050)
        await until(lambda: "100.50" in receipts(rig))
        await settled(pilot, screen, app)
        assert "✓" in message(screen) and "600.50" in message(screen)
        assert "充值小票" in info(screen)
    assert rig.core.ledger.drawer_cash() == drawer + 10050
    paper = receipts(rig)
    lines = {line.split(":")[0].strip(): line for line in paper.splitlines() if ":" in line}
    assert "100.50元" in lines["充值金额"]  # seed 002: the receipt amount is the recharge
    assert "500.00元" in lines["充值前余额"] and "600.50元" in lines["余额"]
    assert "****0001" in paper and "88000001" not in paper
    assert check_ledger(rig.core.ledger.engine).ok


async def test_report_lost_then_the_card_is_refused_at_a_fill_check(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000002")
        await pilot.press("l")
        assert "Report ****0002 lost?" in info(screen)
        await pilot.press("enter")
        await until(lambda: screen.card is not None and screen.card.status is CardStatus.LOST)
        assert "✗ LOST" in panel(screen)
        # a recharge of a lost card is refused too, in the user's language
        await pilot.press("r")
        await type_and_enter(pilot, "50")
        await settled(pilot, screen, app)
        assert "reported lost" in message(screen)
    assert balance(rig, "88000002") == 8000
    with pytest.raises(Refused) as refused:
        rig.core.ledger.check_card_for_fill(number="88000002", plate="鲁E67890")
    assert refused.value.code == "card_lost"


# ---------------------------------------------------------------------------------------------- replace


@pytest.mark.parametrize(("cause", "fee"), [("1", 2000), ("2", 0)])
async def test_replace_a_lost_card_moves_the_balance_and_charges_the_fee_only_for_customer_fault(
    forecourt: SimulatedForecourt, cause: str, fee: int
) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    drawer = rig.core.ledger.drawer_cash()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000003")  # reported lost in the sample data, 300.00
        assert "已挂失" in panel(screen)
        await pilot.press("x")
        rig.present_card("04CAFE01")  # the new blank card on the reader
        await until(lambda: screen.query_one("#f-uid", Input).value == "04CAFE01")
        await fill_form(
            pilot, screen, {"f-cause": cause, "f-number": "88000010", "f-uid": "04CAFE01", "f-pin": "333333"}
        )
        await manager_modal(pilot, app, *MANAGER, "客户遗失补卡")
        await until(lambda: screen.card is not None and screen.card.number == "88000010")
        await settled(pilot, screen, app)
        assert "88000003 → 88000010" in message(screen)
    new = rig.core.ledger.card(number="88000010")
    old = rig.core.ledger.card(number="88000003")
    assert new.balance_fen == 30000 and new.uid == "04CAFE01" and new.plates == ("鲁E55555",)
    assert old.status is CardStatus.CLOSED and old.balance_fen == 0
    assert rig.core.ledger.drawer_cash() == drawer + fee
    rig.core.ledger.verify_card_pin("88000010", "333333")
    assert check_ledger(rig.core.ledger.engine).ok


async def test_replacing_a_lost_card_with_an_open_hold_is_refused(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    attendant = ledger.authenticate(*ATTENDANT)
    ledger.place_hold(attendant, "88000001", 3000, 1, 1)  # a fill authorised on this card, not settled
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000001")
        assert "30.00" in panel(screen)  # held
        await pilot.press("l")
        await pilot.press("enter")
        await until(lambda: screen.card is not None and screen.card.status is CardStatus.LOST)
        await pilot.press("x")
        await fill_form(pilot, screen, {"f-cause": "1", "f-number": "88000011", "f-pin": "123456"})
        await manager_modal(pilot, app, *MANAGER)
        await until(lambda: "灰锁" in message(screen))
        assert "✗" in message(screen)
    with pytest.raises(NotFound):
        ledger.card(number="88000011")
    card = ledger.card(number="88000001")
    assert card.status is CardStatus.LOST and card.balance_fen == 47000 and card.held_fen == 3000


# ---------------------------------------------------------------------------------------------- PIN, close


async def test_pin_reset_unlocks_a_card_locked_by_wrong_pins(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    for _ in range(3):
        with pytest.raises(Refused):
            ledger.verify_card_pin("88000002", "000000")
    assert ledger.card(number="88000002").status is CardStatus.LOCKED
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000002")
        assert "! LOCKED" in panel(screen) and "3/3" in panel(screen)
        await pilot.press("p")
        await fill_form(pilot, screen, {"f-pin": "888888", "f-pin2": "888888"})
        await manager_modal(pilot, app, *MANAGER, "driver forgot the PIN")
        await until(lambda: screen.card is not None and screen.card.status is CardStatus.ACTIVE)
        await settled(pilot, screen, app)
        assert "PIN reset" in message(screen)
    assert ledger.verify_card_pin("88000002", "888888").failed_pin_count == 0


async def test_close_with_refund_then_a_recharge_of_the_closed_card_is_refused(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    drawer = ledger.drawer_cash()
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000002")
        await pilot.press("z")
        assert "¥80.00" in info(screen)  # the refund is shown before anyone approves it
        await pilot.press("enter")
        await manager_modal(pilot, app, *MANAGER, "客户退卡")
        await until(lambda: screen.card is not None and screen.card.status is CardStatus.CLOSED)
        await settled(pilot, screen, app)
        assert "80.00" in message(screen) and "退款金额" in info(screen)
        await until(lambda: "退款金额" in receipts(rig))
        await pilot.press("r")
        await type_and_enter(pilot, "50")
        await settled(pilot, screen, app)
        assert "此卡已注销" in message(screen)
    assert ledger.drawer_cash() == drawer - 8000
    assert ledger.card(number="88000002").balance_fen == 0
    paper = receipts(rig)
    assert "80.00元" in next(line for line in paper.splitlines() if "退款金额" in line)
    assert "****0002" in paper and "88000002" not in paper


async def test_refunding_a_card_with_a_pending_unpaid_fill_is_refused(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    core = rig.core
    await login_core(core)
    await card_fill_to_settle(rig, "88000001", "04A1B2C3", "鲁E12345", "123456")
    before = core.ledger.card(number="88000001")
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = CardServicesScreen()
        await app.push_screen(screen)
        await show_card(pilot, screen, "88000001")
        await pilot.press("z")
        await pilot.press("enter")
        await manager_modal(pilot, app, *MANAGER, "客户退卡")
        await until(lambda: "未结算" in message(screen))
    after = core.ledger.card(number="88000001")
    assert after.status is CardStatus.ACTIVE and after.balance_fen == before.balance_fen
    assert after.held_fen == before.held_fen > 0


# ---------------------------------------------------------------------------------------------- adjustments, credit


async def test_adjustment_above_the_limit_needs_a_second_manager_and_the_account_card_stops_at_its_limit(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    boss = ledger.authenticate(*MANAGER)
    ledger.create_attendant(boss, number="9002", name="副站长", role=Role.MANAGER, pin="8888")
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000004")  # 记账卡, credit limit 5,000.00
        assert "记账卡" in panel(screen) and "5000.00" in panel(screen)
        # the same manager twice is not a second manager
        await pilot.press("j")
        await fill_form(pilot, screen, {"f-adjust": "-5000"})
        await manager_modal(pilot, app, *MANAGER, "月结挂账")
        await manager_modal(pilot, app, *MANAGER, "同意")
        await until(lambda: "第二位站长" in message(screen))
        assert ledger.card(number="88000004").balance_fen == 0
        # a small one needs one manager only
        await pilot.press("j")
        await fill_form(pilot, screen, {"f-adjust": "+12.5"})
        await manager_modal(pilot, app, *MANAGER, "补气")
        await until(lambda: ledger.card(number="88000004").balance_fen == 1250)
        await settled(pilot, screen, app)
        # above the limit with a second manager: done
        await pilot.press("j")
        await fill_form(pilot, screen, {"f-adjust": "-5012.50"})
        await manager_modal(pilot, app, *MANAGER, "月结挂账")
        await manager_modal(pilot, app, "9002", "8888", "同意")
        await until(lambda: ledger.card(number="88000004").balance_fen == -500000)
        await settled(pilot, screen, app)
        assert "✗ ¥0.00" in panel(screen)  # nothing left to spend, shown with a symbol
        # the statement to bill
        await pilot.press("b")
        await until(lambda: "应付 ¥5000.00" in info(screen))
        assert "调账" in info(screen)
    # at its limit the account card is refused at the card check and at settle
    with pytest.raises(Refused) as exhausted:
        ledger.check_card_for_fill(number="88000004")
    assert exhausted.value.code == "credit_exhausted"
    now = ledger.now()
    fill = ledger.record_fill(
        FillRecord(1, 1, 9001, "CNG", "kg", 450, 1000, 4500, now - dt.timedelta(minutes=2), now),
        plate="鲁E00001",
    )
    rig.core.actor = ledger.authenticate(*ATTENDANT)
    with pytest.raises(CoreRefused) as at_settle:
        await rig.core.settle_card(LANE, card_number="88000004", pin="222222")
    assert at_settle.value.code == "balance_insufficient"
    assert ledger.fill(fill.id).status is FillStatus.UNPAID
    assert check_ledger(ledger.engine).ok


# ---------------------------------------------------------------------------------------------- roles


async def test_every_manager_action_is_refused_for_an_attendant_in_the_ui(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    journal = len(ledger.journal(500))
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000002")
        actions: list[tuple[str, dict[str, str]]] = [
            ("p", {"f-pin": "888888", "f-pin2": "888888"}),
            ("x", {"f-cause": "2", "f-number": "88000012", "f-pin": "123456"}),
            ("z", {}),
            ("j", {"f-adjust": "10"}),
            ("n", {"f-type": "2", "f-number": "88000013", "f-holder": "某公司", "f-limit": "1000", "f-pin": "1234"}),
        ]
        for key, values in actions:
            await pilot.press(key)
            if values:
                await fill_form(pilot, screen, values)
            else:
                await pilot.press("enter")
            await manager_modal(pilot, app, *ATTENDANT, "试试")  # the attendant's own credentials
            await until(lambda: "只有站长可以操作" in message(screen))
            await settled(pilot, screen, app)
            await pilot.press("escape")  # the form stays for a retry; Esc leaves it
        # wrong manager PIN, then the modal cancelled: refused, nothing done
        await pilot.press("z")
        await pilot.press("enter")
        await manager_modal(pilot, app, "9001", "0000")
        await until(lambda: "工号或密码错误" in message(screen))
        await settled(pilot, screen, app)
        await pilot.press("escape")
        await pilot.press("j")
        await fill_form(pilot, screen, {"f-adjust": "10"})
        await until(lambda: isinstance(app.screen, ManagerAuthScreen))
        await pilot.press("escape")
        await until(lambda: "未做任何更改" in message(screen))
    card = ledger.card(number="88000002")
    assert card.status is CardStatus.ACTIVE and card.balance_fen == 8000
    for number in ("88000012", "88000013"):
        with pytest.raises(NotFound):
            ledger.card(number=number)
    assert len(ledger.journal(500)) == journal


async def test_issue_cards_stored_value_by_the_attendant_account_by_a_manager(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        screen.set_focus(None)  # out of the card number field: letters are keys again
        await pilot.press("n")
        rig.present_card("04CAFE02")
        await until(lambda: screen.query_one("#f-uid", Input).value == "04CAFE02")
        values = {
            "f-type": "1",
            "f-number": "88000020",
            "f-uid": "04CAFE02",
            "f-holder": "孙师傅",
            "f-phone": "13900000000",
            "f-plates": "鲁E11111, 鲁E22222",
            "f-pin": "654321",
        }
        await fill_form(pilot, screen, values)
        await until(lambda: screen.card is not None and screen.card.number == "88000020")
        await settled(pilot, screen, app)
        # an account card: the credit-limit row appears and a manager approves
        await pilot.press("n")
        values = {"f-type": "2", "f-number": "88000021", "f-holder": "东营物流", "f-limit": "2000", "f-pin": "4321"}
        await fill_form(pilot, screen, values)
        await manager_modal(pilot, app, *MANAGER, "新客户")
        await until(lambda: screen.card is not None and screen.card.number == "88000021")
    card = ledger.card(number="88000020")
    assert card.uid == "04CAFE02" and card.plates == ("鲁E11111", "鲁E22222") and card.holder == "孙师傅"
    account = ledger.card(number="88000021")
    assert account.credit_limit_fen == 200000 and account.card_type.value == "account"


# ---------------------------------------------------------------------------------------------- bad input


async def refused_form(
    pilot: Any, app: StationApp, screen: CardServicesScreen, key: str, values: dict[str, str], expected: str
) -> None:
    await pilot.press(key)
    await fill_form(pilot, screen, values)
    try:
        await until(lambda: expected in message(screen), timeout=5)
    except TimeoutError:
        raise AssertionError(f"{key} {values}: {expected!r} not in {message(screen)!r}") from None
    assert not isinstance(app.screen, ManagerAuthScreen)  # refused before asking anyone
    await pilot.press("escape")
    await pilot.pause()


AMOUNT_CASES = [
    ("", "请填写:充值金额(元)"),
    ("abc", "充值金额(元):请输入数字"),
    ("1e9", "充值金额(元):请输入数字"),
    ("-5", "充值金额(元):不能为负数"),
    ("0", "充值金额(元):必须大于零"),
    ("1.234", "充值金额(元):最多 2 位小数"),
    ("99999999999", "充值金额(元):不能超过 1000000.00"),
    ("1000001", "充值金额(元):不能超过 1000000.00"),
]


async def test_bad_card_numbers_and_amounts_get_a_clear_message_and_change_nothing(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    journal = len(ledger.journal(500))
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        for typed, expected in [("", "请输入内容"), ("88-0001", "卡号无效"), ("99999999", "查无此卡")]:
            screen.query_one("#card-number", Input).value = typed
            await pilot.press("enter")
            await until(lambda expected=expected: expected in message(screen))  # type: ignore[misc]
        screen.set_focus(None)
        await pilot.press("r")
        assert "请先刷卡" in message(screen)  # no card yet: nothing to recharge
        await show_card(pilot, screen, "88000001")
        for typed, expected in AMOUNT_CASES:
            await refused_form(pilot, app, screen, "r", {"f-amount": typed}, expected)
        for typed, expected in [
            ("abc", "调整金额(元):请输入数字"),
            ("", "请填写:调整金额(元)"),
            ("-0", "调整金额(元):必须大于零"),
        ]:
            await refused_form(pilot, app, screen, "j", {"f-adjust": typed}, expected)
    assert ledger.card(number="88000001").balance_fen == 50000
    assert len(ledger.journal(500)) == journal


async def test_bad_pins_replacements_and_new_cards_get_a_clear_message_and_change_nothing(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    journal = len(ledger.journal(500))
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cards(pilot, app)
        await show_card(pilot, screen, "88000001")
        cases: list[tuple[str, dict[str, str], str]] = [
            ("p", {"f-pin": "abcd", "f-pin2": "abcd"}, "密码应为4到8位数字"),
            ("p", {"f-pin": "123456", "f-pin2": "654321"}, "两次输入的密码不一致"),
            ("x", {"f-cause": "3", "f-number": "88000030", "f-pin": "123456"}, "原因请输入"),
            ("x", {"f-cause": "1", "f-number": "88 00", "f-pin": "123456"}, "卡号无效"),
            ("x", {"f-cause": "1", "f-number": "88000030", "f-uid": "XYZ!", "f-pin": "123456"}, "UID"),
        ]
        issue = {"f-type": "1", "f-number": "88000031", "f-holder": "孙师傅", "f-pin": "123456"}
        cases += [
            ("n", {**issue, "f-type": "9"}, "类型请输入"),
            ("n", {**issue, "f-holder": ""}, "请填写持卡人"),
            ("n", {**issue, "f-number": "卡一"}, "卡号无效"),
            ("n", {**issue, "f-phone": "电话"}, "电话号码"),
            ("n", {**issue, "f-type": "2", "f-limit": "abc"}, "请输入数字"),
            ("n", {**issue, "f-type": "4"}, "员工工号"),
        ]
        for key, values, expected in cases:
            await refused_form(pilot, app, screen, key, values, expected)
        # the ledger's own refusals arrive in words too: a number already taken
        await pilot.press("n")
        await fill_form(pilot, screen, {**issue, "f-number": "88000002"})
        await until(lambda: "卡号 88000002 已存在" in message(screen))
        await pilot.press("escape")
    card = ledger.card(number="88000001")
    assert card.balance_fen == 50000 and card.status is CardStatus.ACTIVE
    assert len(ledger.journal(500)) == journal
    for number in ("88000030", "88000031"):
        with pytest.raises(NotFound):
            ledger.card(number=number)


# ---------------------------------------------------------------------------------------------- core helpers


async def login_core(core: StationCore) -> None:
    await core.login(*ATTENDANT)


async def card_fill_to_settle(rig: SimulatedForecourt, number: str, uid: str, plate: str, pin: str) -> None:
    """A card fill through the core up to step 10: gas sold, hold open, not yet settled."""
    core = rig.core
    await core.start_sequence(LANE)
    await core.confirm_arrival(LANE)
    for _ in range(4):
        await core.confirm_safety_item(LANE)
    await core.choose_payment(LANE, PaymentKind.CARD)
    await core.check_card(LANE, number=None, uid=uid, plate=plate, pin=pin)
    assert await core.check_vehicle(LANE, plate) == []
    rig.lift(*LANE)
    await connect_seen(rig)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT, timeout=30)
    assert core.lane(LANE).unpaid and core.ledger.card(number=number).held_fen == 2000


# ---------------------------------------------------------------------------------------------- snapshots


def _snapshot_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: Language) -> StationApp:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)
    core = StationCore(runtime.ledger, runtime.settings)  # no devices: the screen only reads the ledger
    core.actor = runtime.ledger.authenticate(*ATTENDANT)
    return StationApp(core, language=language)


def _show(number: str) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await until(lambda: isinstance(app.screen, OverviewScreen))
        screen = CardServicesScreen()
        await app.push_screen(screen)
        await pilot.pause()
        await type_and_enter(pilot, number)
        await until(lambda: screen.card is not None and not screen.busy)
        await pilot.pause()

    return run_before


def test_snapshot_card_services_zh(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _snapshot_app(tmp_path, monkeypatch, "zh")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_show("88000001"))


def test_snapshot_card_services_en_account_card(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _snapshot_app(tmp_path, monkeypatch, "en")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_show("88000004"))


async def test_a_card_put_on_the_reader_before_f3_is_looked_up_when_the_desk_opens(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, app)
        rig.present_card("04A1B2C3")  # on the reader while the overview is shown: nobody asked for it yet
        await until(lambda: rig.core.card_on_reader == "04A1B2C3")
        await pilot.press("f3")
        await until(lambda: isinstance(app.screen, CardServicesScreen))
        screen = app.screen
        assert isinstance(screen, CardServicesScreen)
        await until(lambda: screen.card is not None and screen.card.number == "88000001")
        assert "张师傅" in panel(screen)
