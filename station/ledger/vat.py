"""VAT on an invoice: the tax inside a tax-inclusive amount, in integer fen, rounded half up."""

from __future__ import annotations

from dataclasses import dataclass

BASIS = 10_000  # rates are in 0.01 % (900 = 9 %)


@dataclass(frozen=True)
class TaxSplit:
    gross_fen: int  # what the driver paid: the invoice's 价税合计
    net_fen: int  # 金额 (excluding tax)
    tax_fen: int  # 税额


def split_tax(gross_fen: int, rate_centi_percent: int) -> TaxSplit:
    """tax = round-half-up(gross × rate / (1 + rate)); net = gross − tax, so the two always sum to the gross."""
    if gross_fen < 0 or rate_centi_percent < 0:
        raise ValueError("amount and rate must not be negative")
    denominator = BASIS + rate_centi_percent
    tax = (2 * gross_fen * rate_centi_percent + denominator) // (2 * denominator)
    return TaxSplit(gross_fen, gross_fen - tax, tax)
