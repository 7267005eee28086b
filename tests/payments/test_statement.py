"""Daily statements: fetched from the simulator over real HTTP, read line by line, matched to the books."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from station.payments.alipay import Alipay
from station.payments.provider import PayRequest, PayState
from station.payments.signing import create_key
from station.payments.simulator import PaymentSimulator
from station.payments.statement import (
    BookedPayment,
    Difference,
    StatementError,
    StatementLine,
    match,
    parse_alipay_bill,
    parse_wechat_bill,
)
from station.payments.wechat import WeChatPay
from tests.payments.test_adapters import CODES, fault

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.mark.parametrize("name", ["wechat", "alipay"])
async def test_statement_matched_line_by_line_with_a_planted_difference(
    name: str, sim: PaymentSimulator, keys: Path
) -> None:
    platform = sim.platform_key.public_key()
    if name == "wechat":
        key = create_key(keys / "wechat_merchant.pem")
        provider: WeChatPay | Alipay = WeChatPay(
            sim.url, mchid=sim.mchid, appid=sim.appid, serial_no="S", key=key, platform_key=platform
        )
    else:
        key = create_key(keys / "alipay_app.pem")
        provider = Alipay(f"{sim.url}/gateway.do", app_id=sim.alipay_app_id, key=key, platform_key=platform)
    try:
        for n, fen in ((1, 15_23), (2, 200_00), (3, 88_88)):
            assert (await provider.pay(PayRequest(f"ST01-{n}-1", CODES[name], fen, "CNG"))).state is PayState.PAID
        fault(sim, "decline")
        assert (await provider.pay(PayRequest("ST01-4-1", CODES[name], 50_00, "CNG"))).state is PayState.FAILED
        assert (await provider.refund("ST01-2-1", "ST01-2-1-R1", 20_00, 200_00)).done
        lines = (parse_wechat_bill if name == "wechat" else parse_alipay_bill)(await provider.statement(TODAY))
    finally:
        await provider.aclose()
    assert sorted((line.order_no, line.kind, line.amount_fen) for line in lines) == [
        ("ST01-1-1", "pay", 15_23),
        ("ST01-2-1", "pay", 200_00),
        ("ST01-2-1", "refund", 20_00),
        ("ST01-3-1", "pay", 88_88),
    ]
    assert all(line.provider_txn_id for line in lines)
    books = [
        BookedPayment(name, "ST01-1-1", "pay", 15_23),
        BookedPayment(name, "ST01-2-1", "pay", 200_00),
        BookedPayment(name, "ST01-2-1", "refund", 20_00, "ST01-2-1-R1"),
        BookedPayment(name, "ST01-3-1", "pay", 88_80),  # planted: booked 8 jiao short
        BookedPayment(name, "ST01-5-1", "pay", 10_00),  # planted: the provider never had it
    ]
    result = match(lines, books)
    assert result.matched == 3 and not result.clean
    assert result.differences == [
        Difference((name, "ST01-3-1", "pay", ""), 88_88, 88_80),
        Difference((name, "ST01-5-1", "pay", ""), None, 10_00),
    ]


def test_money_on_the_statement_and_not_in_the_books_is_listed() -> None:
    line = StatementLine("wechat", "ST01-9-2", "4200001", "pay", 30_00)
    assert match([line], []).differences == [Difference(("wechat", "ST01-9-2", "pay", ""), 30_00, None)]


def test_a_file_that_is_not_a_bill_is_refused() -> None:
    with pytest.raises(StatementError):
        parse_wechat_bill("a,b,c\n1,2,3\n")
    with pytest.raises(StatementError):
        parse_alipay_bill("#header\n商户订单号\n`x\n")
