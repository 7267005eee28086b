"""Payment codes routed by prefix and length; full-width digits and spaces normalised; the rest refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(st.text(max_size=30))
def test_any_text_is_routed_or_refused_never_raises(raw: str) -> None:
    routed = route(raw)
    if isinstance(routed, RoutedCode):
        code = routed.code
        assert code.isascii() and code.isdigit()
        assert (routed.provider is Provider.WECHAT) == (len(code) == 18 and 10 <= int(code[:2]) <= 15)
        assert routed.provider is Provider.WECHAT or (16 <= len(code) <= 24 and 25 <= int(code[:2]) <= 30)
    else:
        assert routed.key in CATALOGUE


@given(st.integers(10, 15), st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_every_wechat_shaped_code_goes_to_wechat_also_in_full_width(prefix: int, rest: str) -> None:
    code = f"{prefix}{rest}"
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert route(wide) == route(code) == RoutedCode(Provider.WECHAT, code)


@given(st.integers(25, 30), st.text(alphabet="0123456789", min_size=14, max_size=22))
def test_every_alipay_shaped_code_goes_to_alipay(prefix: int, rest: str) -> None:
    assert route(f"{prefix} {rest}") == RoutedCode(Provider.ALIPAY, f"{prefix}{rest}")
