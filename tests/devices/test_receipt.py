"""Receipt layout: every field, 32 columns, both languages, the reprint mark, the money rules."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.printouts.paper import WIDTH, display_width, wrap
from station.printouts.receipt import (
    FAREWELL,
    REPRINT_MARK,
    CardPayment,
    CashPayment,
    FillReceipt,
    Language,
    ReceiptError,
    RechargeReceipt,
    ReportLine,
    ShiftReport,
    mask_card_number,
    receipt_from_dict,
    receipt_to_dict,
    render,
)

WHEN = datetime(2024, 5, 1, 12, 34, 56)


def fill(payment: CashPayment | CardPayment | None = None, **kw: object) -> FillReceipt:
    fields: dict[str, object] = dict(
        station_name="和平路CNG加气站",
        station_code="ZJ001",
        receipt_no="R20240501-0007",
        time=WHEN,
        attendant="007 王五",
        dispenser=1,
        nozzle=2,
        transaction_no=12345,
        product="压缩天然气",
        product_en="CNG",
        unit_price_fen=450,
        quantity_centi=1234,
        unit="kg",
        amount_fen=5553,
        payment=payment or CashPayment(tendered_fen=6000, change_fen=447),
    )
    fields.update(kw)
    return FillReceipt(**fields)  # type: ignore[arg-type]


def text(lines: list[str]) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_cash_fill_carries_every_field(language: Language) -> None:
    out = render(fill(), language)
    body = text(out)
    for needle in (
        "和平路CNG加气站",
        "ZJ001",
        "R20240501-0007",
        "2024-05-01 12:34:56",
        "007 王五",
        "1 / 2",
        "12345",
        "4.50/kg",
        "12.34 kg",
        "55.53",
        "60.00",
        "4.47",
        FAREWELL[language],
    ):
        assert needle in body, needle
    assert ("压缩天然气" if language == "zh" else "CNG") in body
    assert ("现金" if language == "zh" else "Cash") in body
    assert REPRINT_MARK not in body
    assert all(display_width(line) <= WIDTH for line in out)


def test_card_fill_masks_the_number_and_reminds_low_balance() -> None:
    receipt = fill(CardPayment(card_number="6222 0000 1111 2222", balance_after_fen=1200, low_balance=True))
    body = text(render(receipt, "zh"))
    assert "****2222" in body and "6222" not in body.replace("****2222", "")
    assert "12.00" in body
    assert "余额不多,请及时充值" in body
    assert "余额不多" not in text(render(fill(CardPayment("62220000", 99_900)), "zh"))
    assert "Low balance" in text(render(receipt, "en"))


def test_nm3_unit_and_reprint_mark() -> None:
    out = render(fill(unit="Nm3"), "en", reprint=True)
    body = text(out)
    assert "12.34 Nm³" in body and "4.50/Nm³" in body
    assert "重打印" in body and "REPRINT" in body
    assert all(display_width(line) <= WIDTH for line in out)


def test_recharge_receipt_amount_is_the_recharge() -> None:
    receipt = RechargeReceipt(
        "和平路CNG加气站",
        "ZJ001",
        "C0001",
        WHEN,
        "站长 张三",
        "6222000011112222",
        amount_fen=50_000,
        balance_after_fen=51_200,
        balance_before_fen=1_200,
    )
    body = text(render(receipt, "zh"))
    assert "充值金额:" in body and "500.00元" in body and "512.00元" in body and "****2222" in body
    assert "6222000011112222" not in body
    with pytest.raises(ReceiptError):
        RechargeReceipt(
            "S", "1", "C2", WHEN, "a", "1234", amount_fen=100, balance_after_fen=250, balance_before_fen=100
        )
    with pytest.raises(ReceiptError):
        RechargeReceipt("S", "1", "C2", WHEN, "a", "1234", amount_fen=0, balance_after_fen=0)


def test_cash_must_add_up() -> None:
    with pytest.raises(ReceiptError):
        fill(CashPayment(tendered_fen=6000, change_fen=400))
    with pytest.raises(ReceiptError):
        fill(CashPayment(tendered_fen=5000, change_fen=0))


def test_shift_report() -> None:
    report = ShiftReport(
        "和平路CNG加气站",
        "ZJ001",
        "交班报表 / SHIFT REPORT",
        WHEN,
        (ReportLine("现金销售", "1234.56"), ReportLine("", ""), ReportLine("审计链头 " + "ab" * 32)),
    )
    out = render(report, "zh")
    assert "交班报表" in text(out) and "1234.56" in text(out) and "—— 完 ——" in text(out)
    assert all(display_width(line) <= WIDTH for line in out)
    assert "ab" * 10 in text(out)  # a long hash wraps, it is not cut


def test_dict_round_trip_keeps_only_the_masked_number() -> None:
    for receipt in (
        fill(),
        fill(CardPayment("6222000011112222", 100, True)),
        RechargeReceipt("S", "1", "C2", WHEN, "a", "99991234", amount_fen=100, balance_after_fen=100),
        ShiftReport("S", "1", "T", WHEN, (ReportLine("a", "b"),)),
    ):
        data = receipt_to_dict(receipt)
        assert "6222000011112222" not in str(data) and "99991234" not in str(data)
        assert render(receipt_from_dict(data), "zh") == render(receipt, "zh")
    with pytest.raises(ReceiptError):
        receipt_from_dict({"kind": "fill"})


def test_mask() -> None:
    assert mask_card_number("6222000011112222") == "****2222"
    assert mask_card_number("****2222") == "****2222"


names = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
    ),
    min_size=1,
    max_size=40,
)


@given(names, names, names, st.integers(0, 10**7), st.integers(0, 10**6), st.sampled_from(["zh", "en"]))
def test_no_line_is_wider_than_the_paper(
    station: str, attendant: str, product: str, price: int, qty: int, language: Language
) -> None:
    amount = price * qty // 100
    receipt = fill(
        station_name=station,
        attendant=attendant,
        product=product,
        product_en=product,
        unit_price_fen=price,
        quantity_centi=qty,
        amount_fen=amount,
        payment=CashPayment(amount + 5, 5),
    )
    for reprint in (False, True):
        assert all(display_width(line) <= WIDTH for line in render(receipt, language, reprint))


@given(names)
def test_wrap_keeps_every_character(value: str) -> None:
    lines = wrap(value)
    assert all(display_width(line) <= WIDTH for line in lines)
    assert "".join(lines).replace(" ", "") == value.replace(" ", "")


def test_the_plate_prints_and_the_receipt_language_wins_over_the_screen() -> None:
    receipt = fill(plate="鲁E22222", language="zh")
    out = render(receipt, "en")  # the attendant's screen is in English
    text = "\n".join(out)
    assert "加气小票" in text and "FUEL RECEIPT" not in text
    assert any(line.startswith("车牌号:") and line.endswith("鲁E22222") for line in out), out
    assert all(display_width(line) <= 32 for line in out)
    assert receipt_from_dict(receipt_to_dict(receipt)) == receipt  # the print spool keeps both
    assert "Plate:" in "\n".join(render(fill(plate="鲁E22222"), "en"))
