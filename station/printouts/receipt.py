"""Receipts as data (fill, recharge, shift report), and their layout as text lines on the paper of :mod:`.paper`.

Pure: no I/O. Money is integer fen rendered with :func:`station.money.format_yuan`; quantities are 0.01 of the
sale unit. A card number is always masked on paper, whatever the caller passes in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from station.money import format_centi, format_yuan
from station.printouts.paper import WIDTH, center, pair, wrap

Language = Literal["zh", "en"]
SaleUnit = Literal["kg", "Nm3"]

REPRINT_MARK = "** 重打印 / REPRINT **"
FAREWELL = {"zh": "请走好,欢迎再次光临", "en": "Thank you, please come again"}
LOW_BALANCE = {"zh": "余额不多,请及时充值", "en": "Low balance, please top up soon"}


class ReceiptError(ValueError):
    """Receipt data that does not add up."""


def mask_card_number(number: str) -> str:
    """``****1234``: only the last four characters of a card number ever reach the paper."""
    tail = number.strip().replace(" ", "")[-4:]
    return "****" + tail


@dataclass(frozen=True, slots=True)
class CashPayment:
    tendered_fen: int
    change_fen: int


@dataclass(frozen=True, slots=True)
class CardPayment:
    card_number: str  # masked on render
    balance_after_fen: int
    low_balance: bool = False  # prints the "余额不多,请及时充值" reminder


@dataclass(frozen=True, slots=True)
class MobilePayment:
    """Paid by the driver's payment code (付款码): the provider's name and the station's order number, which
    the driver's phone shows too, so a dispute is settled by reading both."""

    provider: str  # "wechat" | "alipay"
    order_no: str
    provider_txn: str = ""


Payment = CashPayment | CardPayment | MobilePayment


@dataclass(frozen=True, slots=True)
class FillReceipt:
    station_name: str
    station_code: str
    receipt_no: str
    time: datetime
    attendant: str
    dispenser: int
    nozzle: int
    transaction_no: int  # the dispenser's own transaction number
    product: str
    unit_price_fen: int  # per whole kg or Nm³
    quantity_centi: int
    unit: SaleUnit
    amount_fen: int
    payment: Payment
    product_en: str = ""
    plate: str = ""
    # The station's receipt language: when set, the receipt prints in it whatever the screen's language.
    language: Language | None = None

    def __post_init__(self) -> None:
        if min(self.unit_price_fen, self.quantity_centi, self.amount_fen) < 0:
            raise ReceiptError("price, quantity and amount must not be negative")
        if isinstance(self.payment, CashPayment):
            if self.payment.tendered_fen < self.amount_fen:
                raise ReceiptError("cash tendered is less than the amount")
            if self.payment.tendered_fen - self.amount_fen != self.payment.change_fen:
                raise ReceiptError("change is not tendered minus amount")


@dataclass(frozen=True, slots=True)
class RechargeReceipt:
    station_name: str
    station_code: str
    receipt_no: str
    time: datetime
    attendant: str
    card_number: str  # masked on render
    amount_fen: int  # exactly the recharge credited to the card (seed 002)
    balance_after_fen: int
    method: Literal["cash", "transfer", "other"] = "cash"
    balance_before_fen: int | None = None

    def __post_init__(self) -> None:
        if self.amount_fen <= 0:
            raise ReceiptError("a recharge amount must be above zero")
        if self.balance_before_fen is not None and (
            self.balance_before_fen + self.amount_fen != self.balance_after_fen
        ):
            raise ReceiptError("balance after is not balance before plus the recharge")


@dataclass(frozen=True, slots=True)
class ReportLine:
    label: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class ShiftReport:
    station_name: str
    station_code: str
    title: str
    time: datetime
    lines: tuple[ReportLine, ...] = field(default_factory=tuple)


Receipt = FillReceipt | RechargeReceipt | ShiftReport


# --- rendering ---------------------------------------------------------------------------------------------

_LABELS: dict[str, dict[Language, str]] = {
    "fill_title": {"zh": "加气小票", "en": "FUEL RECEIPT"},
    "recharge_title": {"zh": "充值小票", "en": "RECHARGE RECEIPT"},
    "station_code": {"zh": "站号", "en": "Station"},
    "receipt_no": {"zh": "小票号", "en": "Receipt No"},
    "time": {"zh": "时间", "en": "Time"},
    "attendant": {"zh": "加气员", "en": "Attendant"},
    "operator": {"zh": "操作员", "en": "Operator"},
    "pump": {"zh": "加气机/枪", "en": "Pump/Nozzle"},
    "txn": {"zh": "交易号", "en": "Pump txn"},
    "plate": {"zh": "车牌号", "en": "Plate"},
    "product": {"zh": "品名", "en": "Product"},
    "unit_price": {"zh": "单价", "en": "Unit price"},
    "quantity": {"zh": "数量", "en": "Quantity"},
    "amount": {"zh": "金额", "en": "Amount"},
    "payment": {"zh": "付款方式", "en": "Payment"},
    "cash": {"zh": "现金", "en": "Cash"},
    "card": {"zh": "加气卡", "en": "Fuel card"},
    "wechat": {"zh": "微信支付", "en": "WeChat Pay"},
    "alipay": {"zh": "支付宝", "en": "Alipay"},
    "order_no": {"zh": "商户单号", "en": "Order No"},
    "provider_txn": {"zh": "支付单号", "en": "Pay txn"},
    "transfer": {"zh": "转账", "en": "Transfer"},
    "other": {"zh": "其他", "en": "Other"},
    "tendered": {"zh": "实收", "en": "Tendered"},
    "change": {"zh": "找零", "en": "Change"},
    "card_no": {"zh": "卡号", "en": "Card"},
    "balance": {"zh": "余额", "en": "Balance"},
    "balance_before": {"zh": "充值前余额", "en": "Balance before"},
    "recharge": {"zh": "充值金额", "en": "Recharge"},
    "end": {"zh": "—— 完 ——", "en": "-- END --"},
}

_UNIT_TEXT: dict[str, str] = {"kg": "kg", "Nm3": "Nm³"}


def _t(key: str, language: Language) -> str:
    return _LABELS[key][language]


def _money(fen: int, language: Language) -> str:
    return f"{format_yuan(fen)}元" if language == "zh" else f"CNY {format_yuan(fen)}"


def _header(name: str, code: str, title: str, language: Language, reprint: bool) -> list[str]:
    lines = center(name)
    lines += center(f"{_t('station_code', language)}: {code}")
    lines.append("=" * WIDTH)
    lines += center(title)
    if reprint:
        lines += center(REPRINT_MARK)
    return lines


def _kv(key: str, value: str, language: Language) -> list[str]:
    return pair(f"{_t(key, language)}:", value)


def _render_fill(r: FillReceipt, language: Language, reprint: bool) -> list[str]:
    unit = _UNIT_TEXT[r.unit]
    product = r.product_en if language == "en" and r.product_en else r.product
    lines = _header(r.station_name, r.station_code, _t("fill_title", language), language, reprint)
    lines += _kv("receipt_no", r.receipt_no, language)
    lines += _kv("time", r.time.strftime("%Y-%m-%d %H:%M:%S"), language)
    lines += _kv("attendant", r.attendant, language)
    lines += _kv("pump", f"{r.dispenser} / {r.nozzle}", language)
    lines += _kv("txn", str(r.transaction_no), language)
    if r.plate:
        lines += _kv("plate", r.plate, language)
    lines.append("-" * WIDTH)
    lines += _kv("product", product, language)
    lines += _kv("unit_price", f"{format_yuan(r.unit_price_fen)}/{unit}", language)
    lines += _kv("quantity", f"{format_centi(r.quantity_centi)} {unit}", language)
    lines += _kv("amount", _money(r.amount_fen, language), language)
    lines.append("-" * WIDTH)
    if isinstance(r.payment, CashPayment):
        lines += _kv("payment", _t("cash", language), language)
        lines += _kv("tendered", _money(r.payment.tendered_fen, language), language)
        lines += _kv("change", _money(r.payment.change_fen, language), language)
    elif isinstance(r.payment, MobilePayment):
        lines += _kv("payment", _t(r.payment.provider, language), language)
        lines += _kv("order_no", r.payment.order_no, language)
        if r.payment.provider_txn:
            lines += _kv("provider_txn", r.payment.provider_txn, language)
    else:
        lines += _kv("payment", _t("card", language), language)
        lines += _kv("card_no", mask_card_number(r.payment.card_number), language)
        lines += _kv("balance", _money(r.payment.balance_after_fen, language), language)
        if r.payment.low_balance:
            lines += wrap(LOW_BALANCE[language])
    lines.append("=" * WIDTH)
    lines += center(FAREWELL[language])
    return lines


def _render_recharge(r: RechargeReceipt, language: Language, reprint: bool) -> list[str]:
    lines = _header(r.station_name, r.station_code, _t("recharge_title", language), language, reprint)
    lines += _kv("receipt_no", r.receipt_no, language)
    lines += _kv("time", r.time.strftime("%Y-%m-%d %H:%M:%S"), language)
    lines += _kv("operator", r.attendant, language)
    lines.append("-" * WIDTH)
    lines += _kv("card_no", mask_card_number(r.card_number), language)
    if r.balance_before_fen is not None:
        lines += _kv("balance_before", _money(r.balance_before_fen, language), language)
    lines += _kv("recharge", _money(r.amount_fen, language), language)
    lines += _kv("payment", _t(r.method, language), language)
    lines += _kv("balance", _money(r.balance_after_fen, language), language)
    lines.append("=" * WIDTH)
    lines += center(FAREWELL[language])
    return lines


def _render_report(r: ShiftReport, language: Language, reprint: bool) -> list[str]:
    lines = _header(r.station_name, r.station_code, r.title, language, reprint)
    lines += _kv("time", r.time.strftime("%Y-%m-%d %H:%M:%S"), language)
    lines.append("-" * WIDTH)
    for line in r.lines:
        if not line.label and not line.value:
            lines.append("-" * WIDTH)
        elif line.value:
            lines += pair(line.label, line.value)
        else:
            lines += wrap(line.label)
    lines.append("=" * WIDTH)
    lines += center(_t("end", language))
    return lines


def render(receipt: Receipt, language: Language = "zh", reprint: bool = False) -> list[str]:
    """The receipt as text lines, none wider than 32 columns."""
    if language not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', not {language!r}")
    if isinstance(receipt, FillReceipt):
        return _render_fill(receipt, receipt.language or language, reprint)
    if isinstance(receipt, RechargeReceipt):
        return _render_recharge(receipt, language, reprint)
    return _render_report(receipt, language, reprint)


# --- JSON-safe form, for the print spool ------------------------------------------------------------------


def receipt_to_dict(receipt: Receipt) -> dict[str, Any]:
    def base(kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "station_name": receipt.station_name,
            "station_code": receipt.station_code,
            "time": receipt.time.isoformat(),
        }

    if isinstance(receipt, FillReceipt):
        d = base("fill")
        d.update(
            receipt_no=receipt.receipt_no,
            attendant=receipt.attendant,
            dispenser=receipt.dispenser,
            nozzle=receipt.nozzle,
            transaction_no=receipt.transaction_no,
            product=receipt.product,
            product_en=receipt.product_en,
            unit_price_fen=receipt.unit_price_fen,
            quantity_centi=receipt.quantity_centi,
            unit=receipt.unit,
            amount_fen=receipt.amount_fen,
            plate=receipt.plate,
            language=receipt.language,
        )
        p = receipt.payment
        if isinstance(p, CashPayment):
            d["payment"] = {"kind": "cash", "tendered_fen": p.tendered_fen, "change_fen": p.change_fen}
        elif isinstance(p, MobilePayment):
            d["payment"] = {
                "kind": "mobile",
                "provider": p.provider,
                "order_no": p.order_no,
                "provider_txn": p.provider_txn,
            }
        else:
            d["payment"] = {
                "kind": "card",
                "card_number": mask_card_number(p.card_number),
                "balance_after_fen": p.balance_after_fen,
                "low_balance": p.low_balance,
            }
        return d
    if isinstance(receipt, RechargeReceipt):
        d = base("recharge")
        d.update(
            receipt_no=receipt.receipt_no,
            attendant=receipt.attendant,
            card_number=mask_card_number(receipt.card_number),
            amount_fen=receipt.amount_fen,
            balance_after_fen=receipt.balance_after_fen,
            method=receipt.method,
            balance_before_fen=receipt.balance_before_fen,
        )
        return d
    d = base("report")
    d.update(title=receipt.title, lines=[[line.label, line.value] for line in receipt.lines])
    return d


def receipt_from_dict(data: Mapping[str, Any]) -> Receipt:
    try:
        kind = data["kind"]
        time = datetime.fromisoformat(data["time"])
        name, code = str(data["station_name"]), str(data["station_code"])
        if kind == "fill":
            p = data["payment"]
            payment: Payment
            if p["kind"] == "cash":
                payment = CashPayment(int(p["tendered_fen"]), int(p["change_fen"]))
            elif p["kind"] == "mobile":
                if p["provider"] not in ("wechat", "alipay"):
                    raise ValueError(f"unknown provider {p['provider']!r}")
                payment = MobilePayment(str(p["provider"]), str(p["order_no"]), str(p.get("provider_txn", "")))
            else:
                payment = CardPayment(str(p["card_number"]), int(p["balance_after_fen"]), bool(p["low_balance"]))
            return FillReceipt(
                station_name=name,
                station_code=code,
                time=time,
                receipt_no=str(data["receipt_no"]),
                attendant=str(data["attendant"]),
                dispenser=int(data["dispenser"]),
                nozzle=int(data["nozzle"]),
                transaction_no=int(data["transaction_no"]),
                product=str(data["product"]),
                product_en=str(data.get("product_en", "")),
                unit_price_fen=int(data["unit_price_fen"]),
                quantity_centi=int(data["quantity_centi"]),
                unit=data["unit"],
                amount_fen=int(data["amount_fen"]),
                payment=payment,
                plate=str(data.get("plate", "")),
                language="en" if data.get("language") == "en" else "zh" if data.get("language") == "zh" else None,
            )
        if kind == "recharge":
            before = data.get("balance_before_fen")
            return RechargeReceipt(
                station_name=name,
                station_code=code,
                time=time,
                receipt_no=str(data["receipt_no"]),
                attendant=str(data["attendant"]),
                card_number=str(data["card_number"]),
                amount_fen=int(data["amount_fen"]),
                balance_after_fen=int(data["balance_after_fen"]),
                method=data.get("method", "cash"),
                balance_before_fen=None if before is None else int(before),
            )
        if kind == "report":
            lines = tuple(ReportLine(str(label), str(value)) for label, value in _pairs(data["lines"]))
            return ShiftReport(station_name=name, station_code=code, time=time, title=str(data["title"]), lines=lines)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReceiptError(f"not a stored receipt: {exc}") from exc
    raise ReceiptError(f"unknown receipt kind {data.get('kind')!r}")


def _pairs(raw: Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    for item in raw:
        label, value = item
        yield label, value
