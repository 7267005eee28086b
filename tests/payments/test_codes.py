"""Payment codes routed by prefix and length; full-width digits and spaces normalised; the rest refused."""

from __future__ import annotations

import pytest

from station.i18n import CATALOGUE
from station.payments.codes import CodeRefused, Provider, RoutedCode, route


@pytest.mark.parametrize(
    ("raw", "provider", "code"),
    [
        ("134567890123456789", Provider.WECHAT, "134567890123456789"),
        ("10 4567 8901 2345 6789", Provider.WECHAT, "104567890123456789"),
        ("１５４５６７８９０１２３４５６７８９", Provider.WECHAT, "154567890123456789"),
        ("2845678901234567", Provider.ALIPAY, "2845678901234567"),
        ("254567890123456789012345", Provider.ALIPAY, "254567890123456789012345"),
        ("３０4567890123456789\u3000", Provider.ALIPAY, "304567890123456789"),
    ],
)
def test_codes_go_to_their_provider(raw: str, provider: Provider, code: str) -> None:
    assert route(raw) == RoutedCode(provider, code)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "pay.code_empty"),
        ("   ", "pay.code_empty"),
        ("13456789012345678x", "pay.code_not_digits"),
        ("-13456789012345678", "pay.code_not_digits"),
        ("٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠١", "pay.code_not_digits"),  # Arabic-Indic digits: digits, but not ours
        ("1345678901234567", "pay.code_wechat_length"),
        ("1345678901234567890", "pay.code_wechat_length"),
        ("284567890123456", "pay.code_alipay_length"),
        ("2845678901234567890123456", "pay.code_alipay_length"),
        ("164567890123456789", "pay.code_unknown_provider"),
        ("094567890123456789", "pay.code_unknown_provider"),
        ("314567890123456789", "pay.code_unknown_provider"),
        ("1", "pay.code_unknown_provider"),
    ],
)
def test_other_codes_are_refused_by_a_known_message(raw: str, key: str) -> None:
    refused = route(raw)
    assert refused == CodeRefused(key)
    assert key in CATALOGUE
