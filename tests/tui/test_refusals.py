"""Every refusal of SPEC §2 steps 4–6, driven through the terminal UI: the message shown, no money moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.widgets import Input, Static

from station.core.sequence import Step
from station.ledger.models import CardStatus, CardType
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.sequence import SequenceScreen
from tests.conftest import until
from tests.ledger.helpers import fingerprint

LANE = (1, 1)


def message(app: StationApp) -> str:
    return str(app.screen.query_one("#seq-message", Static).render())


async def enter_text(pilot: Any, text: str) -> None:
    await pilot.press(*list(text))
    await pilot.press("enter")


async def start(pilot: Any, app: StationApp, rig: SimulatedForecourt, payment: str) -> SequenceScreen:
    if rig.core.actor is None:
        rig.core.actor = rig.core.ledger.authenticate("1001", "1234")
        app.switch_screen(OverviewScreen())
        await until(lambda: isinstance(app.screen, OverviewScreen))
    await pilot.press("enter")
    await until(lambda: isinstance(app.screen, SequenceScreen))
    for _ in range(5):
        await pilot.press("enter")
    await pilot.press(payment)
    seq = rig.core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step in (Step.CARD, Step.VEHICLE))
    screen = app.screen
    assert isinstance(screen, SequenceScreen)
    return screen


async def abort(pilot: Any, app: StationApp) -> None:
    await pilot.press("f8")
    await pilot.pause()
    await pilot.press("1")  # driver left
    await until(lambda: isinstance(app.screen, OverviewScreen))


async def card_attempt(pilot: Any, app: StationApp, number: str, plate: str, pin: str) -> str:
    screen = app.screen
    for field_id, value in (("#card-number", number), ("#card-plate", plate)):
        widget = screen.query_one(field_id, Input)
        widget.value = ""
        widget.focus()
        await enter_text(pilot, value)
    await enter_text(pilot, pin)
    await pilot.pause()
    return message(app)


async def test_card_refusals(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    manager = ledger.authenticate("9001", "9999")
    ledger.issue_card(
        manager,
        number="88000010",
        uid=None,
        card_type=CardType.STORED_VALUE,
        holder="过期",
        pin="123456",
        plates=["鲁E10000"],
        expires_on=dt.date(2025, 1, 1),
    )
    ledger.recharge(manager, "88000010", 10_000)
    ledger.issue_card(
        manager,
        number="88000011",
        uid=None,
        card_type=CardType.STORED_VALUE,
        holder="少",
        pin="123456",
        plates=["鲁E11111"],
    )
    ledger.recharge(manager, "88000011", 1_000)  # 10 yuan: below the 20-yuan minimum
    ledger.issue_card(
        manager,
        number="88000012",
        uid=None,
        card_type=CardType.STORED_VALUE,
        holder="销",
        pin="123456",
        plates=["鲁E12121"],
    )
    ledger.close_card(manager, "88000012", "customer left")
    cases = [
        ("99999999", "鲁E12345", "123456", "非本公司加气卡"),
        ("88000003", "鲁E55555", "111111", "此卡已挂失"),
        ("88000012", "鲁E12121", "123456", "此卡已注销"),
        ("88000010", "鲁E10000", "123456", "此卡已过期"),
        ("88000001", "鲁E00000", "123456", "车号不符"),
        ("88000011", "鲁E11111", "123456", "余额不足,请充值"),
        # one-digit typos are not tries: three of them leave the card with all its tries
        ("88000001", "鲁E12345", "1", "密码应为4到8位数字"),
        ("88000001", "鲁E12345", "2", "密码应为4到8位数字"),
        ("88000001", "鲁E12345", "3", "密码应为4到8位数字"),
        ("88000001", "鲁E12345", "000000", "密码错误,还可尝试2次"),
        ("88000001", "鲁E12345", "", "密码应为4到8位数字"),
        ("88000001", "", "123456", "请输入车牌号"),
    ]
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app, rig, "k")
        for number, plate, pin, expected in cases:
            before = fingerprint(ledger.engine)
            shown = await card_attempt(pilot, app, number, plate, pin)
            assert expected in shown, (number, shown)
            seq = rig.core.lane(LANE).sequence
            assert seq is not None and seq.step is Step.CARD
            after = fingerprint(ledger.engine)
            # No money moved: journal, postings, holds and fills unchanged (audit lines and PIN counters may grow).
            for table in ("journal_entries", "postings", "holds", "fills"):
                assert after[table] == before[table], (number, table)
        # the third wrong PIN locks the card, and the lock survives: a fourth try is refused as locked
        await card_attempt(pilot, app, "88000001", "鲁E12345", "000000")
        assert "此卡已锁定" in await card_attempt(pilot, app, "88000001", "鲁E12345", "000000")
        assert ledger.card(number="88000001").status is CardStatus.LOCKED
        await abort(pilot, app)
        assert rig.core.lane(LANE).sequence is None
    assert ledger.card(number="88000001").held_fen == 0


async def test_cylinder_and_pressure_refusals(forecourt: SimulatedForecourt) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    manager = ledger.authenticate("9001", "9999")
    today = ledger.now().date()
    good = {
        "registration_no": "R",
        "next_inspection": today + dt.timedelta(days=30),
        "design_life_end": today + dt.timedelta(days=300),
    }
    ledger.register_vehicle(manager, "鲁E70001", "", [{"serial": "U1", **good, "registration_no": None}])
    ledger.register_vehicle(
        manager, "鲁E70002", "", [{"serial": "L1", **good, "design_life_end": today - dt.timedelta(days=1)}]
    )
    ledger.register_vehicle(manager, "鲁E70003", "", [{"serial": "F1", **good, "failed": True}])
    cases = [
        ("鲁E99999", "检验过期"),
        ("鲁E70001", "未登记"),
        ("鲁E70002", "超过设计使用年限"),
        ("鲁E70003", "检验不合格"),
        ("鲁E00099", "车辆未登记气瓶"),
    ]
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, rig, "c")
        for plate, expected in cases:
            plate_input = screen.query_one("#vehicle-plate", Input)
            plate_input.value = ""
            plate_input.focus()
            await enter_text(pilot, plate)
            await pilot.pause()
            info = str(screen.query_one("#info-text", Static).render())
            assert expected in info and "气瓶不合格" in message(app), (plate, info)
            assert rig.core.lane(LANE).sequence.step is Step.VEHICLE  # type: ignore[union-attr]
        # not a plate at all: refused by its syntax before the registry, and no override is offered
        for typed in ("🚗", "'; DROP TABLE cards;--", "鲁E1234", "鲁E99999"):
            plate_input = screen.query_one("#vehicle-plate", Input)
            plate_input.value = ""
            plate_input.focus()
            await enter_text(pilot, typed)
            await pilot.pause()
            if typed == "鲁E99999":
                assert screen.problems, typed
            else:
                assert "车牌号:车牌号格式不对" in message(app), (typed, message(app))
                assert screen.problems == [], typed
            assert rig.core.lane(LANE).sequence.step is Step.VEHICLE  # type: ignore[union-attr]
        # a manager override with a wrong PIN is refused; with the right one the vehicle goes on, audited
        await pilot.press("f7")
        await pilot.pause()
        await enter_text(pilot, "9001")
        await enter_text(pilot, "0000")
        await enter_text(pilot, "inspection booked")
        await pilot.pause()
        assert "工号或密码错误" in message(app)
        assert rig.core.lane(LANE).sequence.step is Step.VEHICLE  # type: ignore[union-attr]
        await pilot.press("f7")
        await pilot.pause()
        await enter_text(pilot, "9001")
        await enter_text(pilot, "9999")
        await enter_text(pilot, "inspection booked for Monday")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.CONNECT)
        assert seq.overrides
        # residual pressure: the dispenser reads a near-empty cylinder, refused with the reason, no key for it;
        # typed from the gauge: letters are refused by the field, too low and full are refused with the reason
        rig.lift(*LANE, residual_mpa=0.3)
        await until(lambda: seq.next_connect_item == "valves_open")  # the lift connected the nozzle
        await pilot.press("enter")  # valves open: the dispenser's reading comes at once, and is refused
        await until(lambda: screen.query_one("#pressure", Input).has_focus)
        assert "需先置换" in message(app) and seq.residual_centi_mpa is None
        for typed, expected in (
            ("0.3", "需先置换"),
            ("20", "无需加气"),
            ("２０", "无需加气"),  # full-width digits from a Chinese input method read as digits
            ("99", "压力读数无效"),
            ("0", "余压(MPa):必须大于零"),
            (".", "余压(MPa):请输入数字"),
            ("-2", "余压(MPa):不能为负数"),
            ("", "需先置换"),  # empty Enter reads the dispenser again: still near empty
        ):
            pressure = screen.query_one("#pressure", Input)
            pressure.value = ""
            await enter_text(pilot, typed)
            await pilot.pause()
            if expected:
                assert expected in message(app), typed
                assert seq.residual_centi_mpa is None
        await enter_text(pilot, "2.5")  # the gauge after purging
        await until(lambda: seq.residual_centi_mpa == 250 and seq.residual_typed)
        # a leak found: abort with the reason; an incident is recorded, nothing was sold
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("3")  # leak
        await until(lambda: isinstance(app.screen, OverviewScreen))
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from station.ledger.models import AuditEvent, Fill

    with Session(ledger.engine) as s:
        actions = [(e.action, e.detail) for e in s.scalars(select(AuditEvent))]
        assert s.scalars(select(Fill)).first() is None
    assert any(a == "override" and "inspection booked for Monday" in d for a, d in actions)
    assert any(a == "incident" and "leak" in d for a, d in actions)


async def test_bad_input_in_the_money_fields(forecourt: SimulatedForecourt) -> None:
    """Presets and tendered cash: empty, zero, too many decimals, too long; letters never reach the field."""
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, rig, "c")
        await until(lambda: screen.query_one("#vehicle-plate", Input).has_focus)
        await enter_text(pilot, "鲁E22222")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.CONNECT)
        await pilot.press("enter", "enter")  # nozzle (the demo forecourt lifts it), valves: pressure read
        await until(lambda: seq.residual_centi_mpa is not None)
        await pilot.press("enter")
        await until(lambda: seq.step is Step.AUTHORIZE)
        await pilot.press("a")
        await until(lambda: screen.query_one("#preset", Input).has_focus)
        preset = screen.query_one("#preset", Input)
        for typed, expected in (
            ("", "Required: Preset amount (yuan)"),
            ("0", "Preset amount (yuan): must be above zero"),
            ("1.234", "Preset amount (yuan): at most 2 decimals"),
            ("100000.01", "Preset amount (yuan): at most 100000.00"),
            ("abc", "Preset amount (yuan): type a number"),
            ("99999999", "Preset amount (yuan): at most 100000.00"),
            # Once characters were dropped to fit: -1 became 1 and started a real fill.
            ("-1", "Preset amount (yuan): cannot be negative"),
            ("1e9", "Preset amount (yuan): type a number"),
            (".", "Preset amount (yuan): type a number"),
        ):
            preset.value = ""
            await enter_text(pilot, typed)
            await pilot.pause()
            assert expected in message(app), (typed, message(app))
            assert seq.step is Step.AUTHORIZE
        assert rig.core.ledger.unpaid_fills() == []
        await pilot.press("escape")  # leave the preset field: back to choosing A/Q/U
        await pilot.pause()
        await pilot.press("q")
        await until(lambda: screen.query_one("#preset", Input).has_focus)
        for typed, expected in (
            (".", "Preset quantity: type a number"),  # once 系统错误:InvalidOperation
            ("999999999", "Preset quantity: at most 1000.00"),  # once "two decimals at most"
            ("-5", "Preset quantity: cannot be negative"),
            ("1.005", "Preset quantity: at most 2 decimals"),
        ):
            preset.value = ""
            await enter_text(pilot, typed)
            await pilot.pause()
            assert expected in message(app), (typed, message(app))
            assert seq.step is Step.AUTHORIZE
        assert rig.core.ledger.unpaid_fills() == []
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("1")
        await until(lambda: isinstance(app.screen, OverviewScreen))


async def test_a_card_on_the_reader_shows_who_it_is_and_a_lost_one_is_refused_before_the_pin(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    ledger = rig.core.ledger
    manager = ledger.authenticate("9001", "9999")
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, rig, "k")
        rig.present_card("04A1B2C3")
        await until(lambda: screen.card_uid == "04A1B2C3")
        shown = message(app)
        assert "88000001" in shown and "张师傅" in shown and "正常" in shown, shown
        assert screen.query_one("#card-plate", Input).has_focus
        # the same card reported lost: refused as soon as it is read, flagged, no PIN asked
        ledger.report_lost(manager, "88000001")
        screen.card_uid = None
        before = ledger.card(number="88000001").failed_pin_count
        rig.remove_card()
        await pilot.pause(0.3)
        rig.present_card("04A1B2C3")
        await until(lambda: "此卡已挂失" in message(app))
        assert screen.card_uid is None
        assert rig.core.lane(LANE).sequence.step is Step.CARD  # type: ignore[union-attr]
        assert ledger.card(number="88000001").failed_pin_count == before
        await abort(pilot, app)
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from station.ledger.models import AuditEvent

    with Session(ledger.engine) as s:
        assert any(e.action == "lost_card_presented" for e in s.scalars(select(AuditEvent)))


async def test_a_card_read_after_the_plate_was_typed_goes_on_to_the_pin_not_over_the_plate(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, rig, "k")
        plate = screen.query_one("#card-plate", Input)
        plate.value = "鲁E12345"
        rig.present_card("04A1B2C3")
        await until(lambda: screen.card_uid == "04A1B2C3")
        await until(lambda: screen.query_one("#card-pin", Input).has_focus)
        await pilot.press(*"123456")
        await pilot.pause()
        assert plate.value == "鲁E12345"
        assert screen.query_one("#card-pin", Input).value == "123456"
        await abort(pilot, app)


async def test_esc_and_back_in_at_the_card_step_reads_the_card_still_on_the_reader(
    forecourt: SimulatedForecourt,
) -> None:
    rig = forecourt
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, rig, "k")
        rig.present_card("04A1B2C3")
        await until(lambda: screen.card_uid == "04A1B2C3")
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("enter")  # back into the same lane, the card never lifted
        await until(lambda: isinstance(app.screen, SequenceScreen) and app.screen is not screen)
        again = app.screen
        assert isinstance(again, SequenceScreen)
        await until(lambda: again.card_uid == "04A1B2C3")
        assert "88000001" in message(app) and "张师傅" in message(app)
        # lifted off: a screen opened afterwards reads nothing
        rig.remove_card()
        await until(lambda: rig.core.card_on_reader is None)
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, SequenceScreen) and app.screen is not again)
        third = app.screen
        assert isinstance(third, SequenceScreen)
        await pilot.pause(0.3)
        assert third.card_uid is None
        await abort(pilot, app)
