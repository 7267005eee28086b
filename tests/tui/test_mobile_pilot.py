"""Scan-to-pay (付款码) at the settle step, through the terminal with Textual's pilot, against the payment simulator
over real HTTP: the driver's code scanned from the demo panel (a USB scanner types digits and Enter into the
focused field), the driver typing a password first, a payment that times out, is reversed and is paid in cash,
a code that is not one, and a station killed while the driver was typing the password, recovered on restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from station.core.sequence import Step
from station.core.station import StationCore
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.devices.printer_sim import decode_escpos_text
from station.i18n import t
from station.ledger.checks import check_ledger
from station.ledger.models import FillStatus, PaymentMode
from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import SimulatedForecourt, open_first_shift, start_forecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from tests.conftest import WAIT, until
from tests.tui.test_fill_pilot import LANE, connect_and_authorize, focused, text_of, to_vehicle_step, type_and_enter


@pytest.fixture
async def paying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SimulatedForecourt]:
    """The simulated forecourt with WeChat Pay and Alipay's gateways; the settle window at its shortest (10 s)."""
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)
    rig = await start_forecourt(
        runtime, tmp_path / "rig", speed=40.0, poll_interval=0.03, reader_poll=0.05, payments=True, payment_window_s=10
    )
    try:
        assert await rig.bus.wait_connected(WAIT)
        assert await open_first_shift(rig.core) is not None
        yield rig
    finally:
        await rig.stop()
        runtime.close()


async def to_settle(pilot: object, app: StationApp, rig: SimulatedForecourt) -> None:
    await to_vehicle_step(pilot, app, rig, "c")  # type: ignore[arg-type]
    await focused(app, "#vehicle-plate")
    await type_and_enter(pilot, "鲁E22222")  # type: ignore[arg-type]
    await connect_and_authorize(pilot, app, rig, "30")  # type: ignore[arg-type]
    await focused(app, "#tendered")


async def test_a_wechat_code_scanned_from_the_panel_pays_the_fill(paying: SimulatedForecourt) -> None:
    rig = paying
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_settle(pilot, app, rig)
        assert t("do.or_mobile", "zh") in text_of(app, "#do")
        fill = rig.core.lane(LANE).unpaid[0]
        await pilot.press("m")  # the driver shows a phone: the payment-code field instead of the cash one
        await focused(app, "#mobile-code")
        assert "请出示付款码" in text_of(app, "#say")
        await pilot.press("f12")  # the demo's panel: the driver's phone under the scanner
        await pilot.pause()
        await pilot.press("w")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.FAREWELL)
        await until(lambda: "已收款" in text_of(app, "#seq-message"))
        assert "微信支付" in text_of(app, "#seq-message")
        info = text_of(app, "#info-text")
        assert "微信支付" in info and "商户单号" in info  # the receipt's preview
        await pilot.press("enter")  # farewell
        await until(lambda: isinstance(app.screen, OverviewScreen))
    stored = rig.core.ledger.fill(fill.id)
    assert stored.status is FillStatus.PAID and stored.payment_mode is PaymentMode.MOBILE
    assert rig.core.ledger.account_balance("clearing:wechat") == fill.amount_fen
    await until(lambda: "微信支付" in decode_escpos_text(rig.receipts_file.read_bytes()))
    assert check_ledger(rig.core.ledger.engine).ok


async def test_a_serial_scanner_reading_the_phone_at_settle_pays_without_a_key(paying: SimulatedForecourt) -> None:
    rig = paying
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_settle(pilot, app, rig)
        fill = rig.core.lane(LANE).unpaid[0]
        rig.scan(rig.payment_code("alipay"))  # bytes down the scanner's serial line, no key pressed
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.FAREWELL)
        await until(lambda: "支付宝" in text_of(app, "#seq-message"))  # the worker's answer, just after
    assert rig.core.ledger.fill(fill.id).payment_mode is PaymentMode.MOBILE
    assert rig.core.ledger.account_balance("clearing:alipay") == fill.amount_fen


async def test_the_driver_types_a_password_then_the_alipay_payment_goes_through(paying: SimulatedForecourt) -> None:
    rig = paying
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_settle(pilot, app, rig)
        fill = rig.core.lane(LANE).unpaid[0]
        rig.payment_fault("user_paying", 2.5)
        await pilot.press("m")
        await focused(app, "#mobile-code")
        await type_and_enter(pilot, rig.payment_code("alipay"))
        await until(lambda: t("pay.paying", "zh") in text_of(app, "#seq-message"))
        await pilot.press("escape")  # a payment in flight: Esc does not leave it
        assert t("pay.wait_answer", "zh") in text_of(app, "#seq-message")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.FAREWELL, timeout=WAIT)
        await until(lambda: "支付宝" in text_of(app, "#seq-message"))  # the worker's answer, just after
    assert rig.core.ledger.fill(fill.id).payment_mode is PaymentMode.MOBILE
    assert rig.core.ledger.account_balance("clearing:alipay") == fill.amount_fen


async def test_a_payment_still_open_when_the_window_closes_is_reversed_and_paid_in_cash(
    paying: SimulatedForecourt,
) -> None:
    rig = paying
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_settle(pilot, app, rig)
        fill = rig.core.lane(LANE).unpaid[0]
        rig.payment_fault("user_paying", 60.0)  # the driver never finishes on the phone
        await pilot.press("m")
        await focused(app, "#mobile-code")
        await type_and_enter(pilot, rig.payment_code("wechat"))
        await until(lambda: t("pay.timed_out", "zh") in text_of(app, "#seq-message"), timeout=30)
        await focused(app, "#tendered")  # back to cash, on the same fill
        assert rig.payment_sim is not None
        assert [o.state for o in rig.payment_sim.books.orders.values()] == ["reversed"]
        await type_and_enter(pilot, "50")
        await pilot.press("enter")
        seq = rig.core.lane(LANE).sequence
        assert seq is not None
        await until(lambda: seq.step is Step.FAREWELL)
    stored = rig.core.ledger.fill(fill.id)
    assert stored.payment_mode is PaymentMode.CASH and stored.change_fen == 5000 - fill.amount_fen
    assert rig.core.ledger.account_balance("clearing:wechat") == 0


async def test_a_code_that_is_not_one_is_refused_and_esc_goes_back_to_cash(paying: SimulatedForecourt) -> None:
    rig = paying
    app = StationApp(rig.core, sim=rig, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_settle(pilot, app, rig)
        await pilot.press("m")
        await focused(app, "#mobile-code")
        for typo, key in (("-1", "pay.code_not_digits"), ("12345", "pay.code_wechat_length"), ("9" * 18, None)):
            await type_and_enter(pilot, typo)
            expected = t(key, "en") if key else t("pay.code_unknown_provider", "en")
            await until(lambda expected=expected: expected in text_of(app, "#seq-message"))  # type: ignore[misc]
            await focused(app, "#mobile-code")  # the field stays for the next scan
            app.screen.query_one("#mobile-code").value = ""  # type: ignore[attr-defined]
        assert rig.payment_sim is not None and not rig.payment_sim.books.orders  # nothing was sent
        await pilot.press("escape")
        await focused(app, "#tendered")
        assert rig.core.lane(LANE).unpaid  # still to pay


async def test_a_station_killed_while_the_driver_types_the_password_books_the_sale_on_restart(
    paying: SimulatedForecourt, tmp_path: Path
) -> None:
    rig = paying
    app = StationApp(rig.core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_settle(pilot, app, rig)
        fill = rig.core.lane(LANE).unpaid[0]
        rig.payment_fault("user_paying", 2.0)
        await pilot.press("m")
        await focused(app, "#mobile-code")
        await type_and_enter(pilot, rig.payment_code("wechat"))
        await until(lambda: t("pay.paying", "zh") in text_of(app, "#seq-message"))
    # The terminal is gone mid-payment (its worker cancelled with the app): the order stays open in the ledger.
    await rig.core.stop()
    assert rig.core.ledger.fill(fill.id).status is not FillStatus.PAID
    await asyncio.sleep(2.5)  # meanwhile the driver finished on the phone: the provider has the money
    receipts = tmp_path / "restart-receipts.bin"
    queue = PrintQueue(
        tmp_path / "restart-spool", printer_from_config(PrinterConfig(kind="file", target=str(receipts)))
    )
    reborn = StationCore(rig.core.ledger, rig.core.settings, print_queue=queue)
    await reborn.start()
    try:
        await until(lambda: rig.core.ledger.fill(fill.id).status is FillStatus.PAID)
        await until(lambda: receipts.exists() and "微信支付" in decode_escpos_text(receipts.read_bytes()))
    finally:
        await reborn.stop()
    assert rig.core.ledger.fill(fill.id).payment_mode is PaymentMode.MOBILE
    assert rig.core.ledger.account_balance("clearing:wechat") == fill.amount_fen  # once, not twice
    assert check_ledger(rig.core.ledger.engine).ok


async def mobile_sale(rig: SimulatedForecourt) -> int:
    """A fill paid by WeChat Pay through the core; its fill id."""
    from station.core.sequence import PaymentKind, PresetChoice, PresetKind
    from tests.core.test_ratings import walk_to_authorize

    core = rig.core
    await walk_to_authorize(rig, PaymentKind.CASH)
    await core.authorize(LANE, PresetChoice(PresetKind.AMOUNT, 2000))
    seq = core.lane(LANE).sequence
    assert seq is not None
    await until(lambda: seq.step is Step.DISCONNECT)
    await core.confirm_disconnect_item(LANE)
    rig.hang(*LANE)
    await until(lambda: seq.step is Step.SETTLE)
    result = await core.settle_mobile(LANE, rig.payment_code("wechat"))
    assert result.settled is not None
    await core.farewell(LANE)
    return result.settled.fill.id


async def test_a_manager_refunds_a_mobile_sale_at_the_desk(paying: SimulatedForecourt) -> None:
    from textual.widgets import Input

    from station.tui.screens.desk.mobile import MobileSalesScreen
    from station.tui.screens.login import LoginScreen
    from tests.tui.test_desk import login, open_desk
    from tests.tui.test_desk import text_of as desk_text

    rig, core = paying, paying.core
    fill_id = await mobile_sale(rig)
    amount = core.ledger.fill(fill_id).amount_fen
    assert core.ledger.account_balance("clearing:wechat") == amount

    async def authorize(pilot: object, number: str, pin: str, reason: str) -> None:
        for field, text in (("mgr-number", number), ("mgr-pin", pin), ("mgr-reason", reason)):
            widget = app.screen.query_one(f"#{field}", Input)
            await until(lambda widget=widget: widget.has_focus)  # type: ignore[misc]
            widget.value = text
            await pilot.press("enter")  # type: ignore[attr-defined]

    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if isinstance(app.screen, LoginScreen):
            await login(pilot, app, "1001", "1234")
        await open_desk(pilot, app)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, MobileSalesScreen) and "已支付" in desk_text(app, "#mobile-list"))
        assert "微信支付" in desk_text(app, "#mobile-list")
        await pilot.press("f8")
        await authorize(pilot, "1001", "1234", "加错气")  # an attendant: refused, nothing refunded
        await until(lambda: "✗" in desk_text(app, "#desk-message"))
        [sale] = core.ledger.mobile_sales()
        assert sale.order.state == "paid" and core.ledger.account_balance("clearing:wechat") == amount
        await pilot.press("f8")
        await authorize(pilot, "9001", "9999", "加错气")
        await until(lambda: "已退款" in desk_text(app, "#desk-message"))
        await until(lambda: "已退款" in desk_text(app, "#mobile-list"))
        await pilot.press("escape")
    assert core.ledger.account_balance("clearing:wechat") == 0
    assert rig.payment_sim is not None
    assert [o.refunded_fen for o in rig.payment_sim.books.orders.values()] == [amount]
    assert check_ledger(core.ledger.engine).ok
