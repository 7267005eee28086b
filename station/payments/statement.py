"""The providers' daily statements (对账单) read line by line and matched to the payments the books hold.

WeChat Pay's trade bill is a CSV whose values carry a leading backtick and whose summary follows a
``总交易单数`` line; Alipay's business detail (业务明细) is a CSV between ``#`` comment lines, refunds as
negative amounts. Both give yuan as text: read into integer fen, never through a float. :func:`match` lists
every difference: money the provider has and the books do not, the books' payments missing from the statement,
and lines whose amounts differ.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from station.money import MoneyFormatError, parse_yuan


class StatementError(Exception):
    """The file is not a statement of the expected kind (its header is missing a column)."""


@dataclass(frozen=True)
class StatementLine:
    provider: str
    order_no: str  # the station's order number (商户订单号)
    provider_txn_id: str
    kind: str  # pay | refund
    amount_fen: int  # positive for both kinds
    refund_no: str = ""


@dataclass(frozen=True)
class BookedPayment:
    """A payment as the books hold it: a paid order (kind pay) or a refund of one (kind refund)."""

    provider: str
    order_no: str
    kind: str
    amount_fen: int
    refund_no: str = ""


@dataclass(frozen=True)
class Difference:
    key: tuple[str, str, str, str]  # provider, order number, kind, refund number
    statement_fen: int | None  # None: not in the statement
    books_fen: int | None  # None: not in the books


@dataclass
class StatementMatch:
    matched: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences


def _fen(text: str) -> int:
    cleaned = text.strip().lstrip("`").strip()
    negative = cleaned.startswith("-")
    try:
        fen = parse_yuan(cleaned.removeprefix("-"), allow_zero=True)
    except MoneyFormatError as exc:
        raise StatementError(f"not an amount: {text!r}") from exc
    return -fen if negative else fen


def _rows(lines: list[str], needed: tuple[str, ...]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [name for name in needed if name not in header]
    if missing:
        raise StatementError(f"statement header lacks {missing}")
    reader.fieldnames = header
    return [{k: (v or "").strip().lstrip("`") for k, v in row.items() if k} for row in reader]


def parse_wechat_bill(text: str) -> list[StatementLine]:
    body = text.lstrip("\ufeff").splitlines()
    end = next((i for i, line in enumerate(body) if line.startswith("总交易单数")), len(body))
    needed = ("微信订单号", "商户订单号", "交易状态", "应结订单金额", "商户退款单号", "退款金额")
    out = []
    for row in _rows(body[:end], needed):
        if row["交易状态"] == "REFUND":
            refund = _fen(row["退款金额"])
            out.append(
                StatementLine("wechat", row["商户订单号"], row["微信订单号"], "refund", refund, row["商户退款单号"])
            )
        elif row["交易状态"] == "SUCCESS":
            out.append(StatementLine("wechat", row["商户订单号"], row["微信订单号"], "pay", _fen(row["应结订单金额"])))
    return out


def parse_alipay_bill(text: str) -> list[StatementLine]:
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip() and not line.startswith("#")]
    needed = ("支付宝交易号", "商户订单号", "业务类型", "订单金额（元）", "退款批次号/请求号")
    out = []
    for row in _rows(lines, needed):
        amount = _fen(row["订单金额（元）"])
        if row["业务类型"] == "退款":
            refund_no = row["退款批次号/请求号"]
            out.append(StatementLine("alipay", row["商户订单号"], row["支付宝交易号"], "refund", -amount, refund_no))
        elif row["业务类型"] == "交易":
            out.append(StatementLine("alipay", row["商户订单号"], row["支付宝交易号"], "pay", amount))
    return out


def match(statement: Iterable[StatementLine], books: Iterable[BookedPayment]) -> StatementMatch:
    """Each statement line against the books' payment of the same order, kind and refund number."""
    theirs: dict[tuple[str, str, str, str], int] = {}
    for line in statement:
        key = (line.provider, line.order_no, line.kind, line.refund_no)
        theirs[key] = theirs.get(key, 0) + line.amount_fen
    ours: dict[tuple[str, str, str, str], int] = {}
    for paid in books:
        key = (paid.provider, paid.order_no, paid.kind, paid.refund_no)
        ours[key] = ours.get(key, 0) + paid.amount_fen
    result = StatementMatch()
    for key in sorted(theirs.keys() | ours.keys()):
        got, booked = theirs.get(key), ours.get(key)
        if got == booked:
            result.matched += 1
        else:
            result.differences.append(Difference(key, got, booked))
    return result
