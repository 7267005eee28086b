"""The scan-to-pay state machine against the payment simulator over real HTTP, on real SQLite and PostgreSQL:
paid at once, paid after the driver typed the password, declined, still paying when the window closed (reversed),
no answer (reversed), a lost reply and a crash finished on restart by a new Ledger, and never paid twice."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from station.cli import main
from station.config import Payments, Settings
from station.core.mobile_pay import MobileOutcome, MobilePay
from station.core.mobile_providers import mobile_pay_for
from station.core.station import StationCore
from station.ledger.models import PaymentMode
from station.ledger.services import Ledger
from station.money import format_yuan
from station.payments.alipay import Alipay
from station.payments.provider import PaymentProvider, PayRequest, ProviderUnavailable
from station.payments.signing import create_key, public_pem
from station.payments.sim_bills import wechat_bill
from station.payments.simulator import PaymentSimulator
from station.payments.wechat import WeChatPay
from tests.conftest import FakeClock, until
from tests.ledger.helpers import record, staff

WECHAT_CODE = "134567890123456789"
ALIPAY_CODE = "2845678901234567"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PaymentSimulator]:
    server = PaymentSimulator(
        wechat_key=create_key(tmp_path / "wechat.pem").public_key(),
        alipay_key=create_key(tmp_path / "alipay.pem").public_key(),
    )
    server.start()
    yield server
    server.stop()


def _providers(sim: PaymentSimulator, keys: Path) -> dict[str, PaymentProvider]:
    wechat = WeChatPay(
        sim.url, mchid=sim.mchid, appid=sim.appid, serial_no="SIM01", key=create_key(keys / "wechat.pem"), timeout_s=1
    )
    alipay = Alipay(f"{sim.url}/gateway.do", app_id=sim.alipay_app_id, key=create_key(keys / "alipay.pem"), timeout_s=1)
    return {"wechat": wechat, "alipay": alipay}


@pytest.fixture
async def providers(sim: PaymentSimulator, tmp_path: Path) -> AsyncIterator[dict[str, PaymentProvider]]:
    made = _providers(sim, tmp_path)
    yield made
    for provider in made.values():
        await provider.aclose()


def _mobile(ledger: Ledger, providers: dict[str, PaymentProvider]) -> MobilePay:
    return MobilePay(ledger, providers, poll_seconds=0.05, window_seconds=1.5, reverse_tries=3)


def fault(sim: PaymentSimulator, kind: str, seconds: float = 0.0) -> None:
    httpx.post(f"{sim.url}/control", json={"fault": kind, "seconds": seconds}).raise_for_status()


@pytest.mark.parametrize("code", [WECHAT_CODE, "２８４５６７８９０１２３４５６７"])
async def test_paid_at_once_books_the_sale(ledger: Ledger, providers: dict[str, PaymentProvider], code: str) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(1, 1523), attendant=attendant)
    result = await _mobile(ledger, providers).pay_fill(attendant, fill.id, code, "CNG 加气")
    assert result.outcome is MobileOutcome.PAID and result.receipt_no > 0
    provider = "wechat" if code == WECHAT_CODE else "alipay"
    assert ledger.account_balance(f"clearing:{provider}") == fill.amount_fen
    assert ledger.fill(fill.id).payment_mode is PaymentMode.MOBILE


async def test_user_paying_then_paid(
    ledger: Ledger, sim: PaymentSimulator, providers: dict[str, PaymentProvider]
) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(2, 1000), attendant=attendant)
    fault(sim, "user_paying", 0.3)
    told: list[str] = []
    result = await _mobile(ledger, providers).pay_fill(
        attendant, fill.id, ALIPAY_CODE, "CNG", on_user_paying=lambda: told.append("wait")
    )
    assert result.outcome is MobileOutcome.PAID and told
    states = [s for s, _, _ in ledger.payment_order_history(result.order_no)]
    assert states == ["created", "paying", "paid"]


async def test_declined_offers_cash_or_card(
    ledger: Ledger, sim: PaymentSimulator, providers: dict[str, PaymentProvider]
) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(3, 1000), attendant=attendant)
    fault(sim, "decline")
    result = await _mobile(ledger, providers).pay_fill(attendant, fill.id, WECHAT_CODE, "CNG")
    assert (result.outcome, result.message_key) == (MobileOutcome.DECLINED, "pay.declined")
    assert ledger.payment_order(result.order_no).state == "failed"
    cash = ledger.settle_cash(attendant, fill.id, 5000)  # then cash, as the screen offers
    assert cash.due_fen == fill.amount_fen


@pytest.mark.parametrize("kind", ["user_paying", "timeout"])
async def test_no_payment_in_the_window_is_reversed(
    ledger: Ledger, sim: PaymentSimulator, providers: dict[str, PaymentProvider], kind: str
) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(4, 1000), attendant=attendant)
    fault(sim, kind, 30)
    result = await _mobile(ledger, providers).pay_fill(attendant, fill.id, WECHAT_CODE, "CNG")
    assert (result.outcome, result.message_key) == (MobileOutcome.TIMED_OUT, "pay.timed_out")
    assert ledger.payment_order(result.order_no).state == "reversed"
    assert ledger.fill(fill.id).status.value == "unpaid" and ledger.account_balance("clearing:wechat") == 0


async def test_refused_codes_send_nothing(ledger: Ledger, providers: dict[str, PaymentProvider]) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(5, 1000), attendant=attendant)
    mobile = _mobile(ledger, providers)
    assert (await mobile.pay_fill(attendant, fill.id, "-1", "CNG")).message_key == "pay.code_not_digits"
    off = MobilePay(ledger, {})
    assert (await off.pay_fill(attendant, fill.id, WECHAT_CODE, "CNG")).message_key == "pay.off"
    assert ledger.open_payment_orders() == []


async def test_a_lost_reply_and_a_crash_are_finished_on_restart_and_booked_once(
    ledger: Ledger,
    sim: PaymentSimulator,
    providers: dict[str, PaymentProvider],
    station_settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    _, attendant = staff(ledger, shift=True)
    paid_fill = ledger.record_fill(record(6, 1200), attendant=attendant)
    never_sent = ledger.record_fill(record(7, 800), attendant=attendant)
    # The station sends the payment; the provider takes the money but the reply is lost; then the station dies.
    order = ledger.create_payment_order(attendant, paid_fill.id, "wechat")
    fault(sim, "lose_reply")
    with pytest.raises(ProviderUnavailable):
        await providers["wechat"].pay(PayRequest(order.order_no, WECHAT_CODE, order.amount_fen, "CNG"))
    # A second station died after committing its order, before sending anything.
    lost = ledger.create_payment_order(attendant, never_sent.id, "alipay")
    reborn = Ledger(ledger.engine, station_settings, b"k" * 32, clock=clock)
    fresh = _providers(sim, tmp_path)
    try:
        assert await _mobile(reborn, fresh).recover() == 0
        assert await _mobile(reborn, fresh).recover() == 0  # a second restart: nothing more
    finally:
        for provider in fresh.values():
            await provider.aclose()
    assert reborn.payment_order(order.order_no).state == "paid"
    assert reborn.payment_order(lost.order_no).state == "reversed"
    assert reborn.account_balance("clearing:wechat") == paid_fill.amount_fen  # once
    assert reborn.fill(never_sent.id).status.value == "unpaid"


async def test_money_taken_for_a_fill_paid_meanwhile_goes_back(
    ledger: Ledger, sim: PaymentSimulator, providers: dict[str, PaymentProvider]
) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(8, 900), attendant=attendant)
    order = ledger.create_payment_order(attendant, fill.id, "alipay")
    fault(sim, "lose_reply")
    with pytest.raises(ProviderUnavailable):
        await providers["alipay"].pay(PayRequest(order.order_no, ALIPAY_CODE, order.amount_fen, "CNG"))
    ledger.move_payment_order(order.order_no, "paying")
    ledger.settle_cash(attendant, fill.id, 5000)  # the attendant gave up and took cash
    assert await _mobile(ledger, providers).recover() == 0
    assert ledger.payment_order(order.order_no).state == "refunded"
    assert ledger.account_balance("clearing:alipay") == 0


async def test_a_manager_refunds_a_mobile_sale(ledger: Ledger, providers: dict[str, PaymentProvider]) -> None:
    manager, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(9, 700), attendant=attendant)
    mobile = _mobile(ledger, providers)
    paid = await mobile.pay_fill(attendant, fill.id, WECHAT_CODE, "CNG")
    assert await mobile.refund_sale(manager, paid.order_no, "加错气")
    assert ledger.payment_order(paid.order_no).state == "refunded"
    assert ledger.account_balance("clearing:wechat") == 0 and ledger.account_balance("revenue:gas") == 0


async def test_the_daily_bill_matched_to_the_books_with_planted_differences(
    ledger: Ledger,
    db_url: str,
    sim: PaymentSimulator,
    providers: dict[str, PaymentProvider],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manager, attendant = staff(ledger, shift=True)
    mobile = _mobile(ledger, providers)
    paid = []
    for number in (21, 22, 23):
        fill = ledger.record_fill(record(number, 1000 + number), attendant=attendant)
        paid.append((await mobile.pay_fill(attendant, fill.id, WECHAT_CODE, "CNG")).order_no)
    assert await mobile.refund_sale(manager, paid[1], "加错气")
    # Planted: money the provider took for an order the books never heard of.
    await providers["wechat"].pay(PayRequest("ZZ-NOT-OURS", WECHAT_CODE, 500, "CNG"))
    orders = list(sim.books.orders.values())
    bill = wechat_bill(orders, orders[0].created_on, sim.mchid, sim.appid).splitlines()
    bill = [line for line in bill if paid[2] not in line]  # planted: a sale of the books missing from the bill
    first = next(i for i, line in enumerate(bill) if paid[0] in line)
    bill[first] = bill[first].replace(f"`{format_yuan(ledger.payment_order(paid[0]).amount_fen)},", "`1.00,")
    path = tmp_path / "wechat-bill.csv"
    path.write_text("\n".join(bill) + "\n", encoding="utf-8")
    args = ["report", "statement", "--provider", "wechat", "--date", "2026-11-21", "--file", str(path), "--db", db_url]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "2 matched, 3 differences" in out  # the refunded sale's pay and refund lines match
    differing = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(differing) == {paid[0], paid[2], "ZZ-NOT-OURS"}
    assert "bill 1.00" in differing[paid[0]] and "books -" in differing["ZZ-NOT-OURS"]
    assert "bill -" in differing[paid[2]]


async def test_the_configured_station_pays_through_the_simulator(
    ledger: Ledger, sim: PaymentSimulator, station_settings: Settings, tmp_path: Path
) -> None:
    assert mobile_pay_for(ledger, station_settings) is None  # no [payments]: mobile payment off
    platform = tmp_path / "platform_public.pem"  # the providers' replies are checked against it
    platform.write_bytes(public_pem(sim.platform_key))
    section = Payments(
        wechat_url=sim.url,
        wechat_mchid=sim.mchid,
        wechat_appid=sim.appid,
        wechat_serial_no="SIM01",
        wechat_key_file=str(tmp_path / "wechat.pem"),
        alipay_url=f"{sim.url}/gateway.do",
        alipay_app_id=sim.alipay_app_id,
        alipay_key_file=str(tmp_path / "alipay.pem"),
        wechat_platform_key_file=str(platform),
        alipay_public_key_file=str(platform),
    )
    mobile = mobile_pay_for(ledger, station_settings.model_copy(update={"payments": section}))
    assert mobile is not None and set(mobile.providers) == {"wechat", "alipay"}
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(31, 1000), attendant=attendant)
    try:
        assert (await mobile.pay_fill(attendant, fill.id, ALIPAY_CODE, "CNG")).outcome is MobileOutcome.PAID
    finally:
        await mobile.aclose()


async def test_the_station_core_finishes_open_orders_when_it_starts(
    ledger: Ledger,
    sim: PaymentSimulator,
    providers: dict[str, PaymentProvider],
    station_settings: Settings,
    tmp_path: Path,
) -> None:
    _, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(41, 1000), attendant=attendant)
    order = ledger.create_payment_order(attendant, fill.id, "wechat")
    fault(sim, "lose_reply")
    with pytest.raises(ProviderUnavailable):  # paid at the provider; the station dies before it hears so
        await providers["wechat"].pay(PayRequest(order.order_no, WECHAT_CODE, order.amount_fen, "CNG"))
    section = Payments(
        wechat_url=sim.url,
        wechat_mchid=sim.mchid,
        wechat_appid=sim.appid,
        wechat_serial_no="SIM01",
        wechat_key_file=str(tmp_path / "wechat.pem"),
    )
    core = StationCore(ledger, station_settings.model_copy(update={"payments": section}))
    await core.start()
    try:
        await until(lambda: ledger.payment_order(order.order_no).state == "paid")
    finally:
        await core.stop()
    assert ledger.fill(fill.id).payment_mode is PaymentMode.MOBILE
    assert ledger.account_balance("clearing:wechat") == fill.amount_fen


async def test_the_core_settles_a_lanes_fill_by_payment_code(
    ledger: Ledger, sim: PaymentSimulator, station_settings: Settings, tmp_path: Path
) -> None:
    staff(ledger, shift=True)
    fill = ledger.record_fill(record(61, 1000, dispenser=1, nozzle=1))
    off = StationCore(ledger, station_settings)
    await off.login("1001", "1234")
    assert (await off.settle_mobile((1, 1), WECHAT_CODE)).message_key == "pay.off"
    section = Payments(
        wechat_url=sim.url,
        wechat_mchid=sim.mchid,
        wechat_appid=sim.appid,
        wechat_serial_no="SIM01",
        wechat_key_file=str(tmp_path / "wechat.pem"),
    )
    core = StationCore(ledger, station_settings.model_copy(update={"payments": section}))
    await core.start()
    try:
        await core.login("1001", "1234")
        assert (await core.settle_mobile((1, 1), "12345")).message_key == "pay.code_wechat_length"
        result = await core.settle_mobile((1, 1), WECHAT_CODE)
    finally:
        await core.stop()
    assert result.outcome is MobileOutcome.PAID and result.receipt_no > 0
    assert core.lane((1, 1)).unpaid == [] and ledger.fill(fill.id).payment_mode is PaymentMode.MOBILE
