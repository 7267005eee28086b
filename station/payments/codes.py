"""A scanned payment code (付款码) routed to its provider by prefix and length, or refused by a message key.

WeChat Pay codes are 18 digits starting 10–15; Alipay codes are 16–24 digits starting 25–30. A scanner or a
Chinese input method may send full-width digits (０–９) and spaces: they are normalised before the check, so
the code stored and sent is always plain ASCII digits.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass


class Provider(enum.Enum):
    WECHAT = "wechat"
    ALIPAY = "alipay"


@dataclass(frozen=True)
class RoutedCode:
    provider: Provider
    code: str  # ASCII digits only


@dataclass(frozen=True)
class CodeRefused:
    key: str  # catalogue key (station.i18n.payments), shown to the attendant as is


def normalise(raw: str) -> str:
    """Full-width digits to ASCII (NFKC), every kind of space dropped; anything else is left for the check."""
    folded = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in folded if not ch.isspace())


def route(raw: str) -> RoutedCode | CodeRefused:
    """The provider a payment code belongs to, or why it is refused (nothing is sent for a refused code)."""
    code = normalise(raw)
    if not code:
        return CodeRefused("pay.code_empty")
    if not (code.isascii() and code.isdigit()):
        return CodeRefused("pay.code_not_digits")
    prefix = int(code[:2]) if len(code) >= 2 else -1
    if 10 <= prefix <= 15:
        return RoutedCode(Provider.WECHAT, code) if len(code) == 18 else CodeRefused("pay.code_wechat_length")
    if 25 <= prefix <= 30:
        return RoutedCode(Provider.ALIPAY, code) if 16 <= len(code) <= 24 else CodeRefused("pay.code_alipay_length")
    return CodeRefused("pay.code_unknown_provider")
