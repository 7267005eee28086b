"""Pure rules of invoicing: the buyer's tax number check character, the VAT split, the receipt link's check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.ledger.invoice_link import BadInvoiceLink, InvoiceLink, link_key, make_link, verify_link
from station.ledger.tax_numbers import uscc_check_char, valid_tax_number, valid_uscc
from station.ledger.vat import split_tax

# Published unified social credit codes (GB 32100-2015's example and three listed companies).
REAL_CODES = ["91350100M000100Y43", "91110000710925243K", "91440300708461136T", "91110108551385082Q"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_published_credit_codes_pass(code: str) -> None:
    assert valid_uscc(code)
    assert valid_tax_number(code.lower())  # typed in lower case at the desk: normalised


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91110000710925243J",
        "91350100M000100Y4",  # 17 characters: not a credit code (valid_tax_number takes it as a legacy one)
        "91350100I000100Y43",  # I is not in the code's alphabet
        "9135010OM000100Y43",  # nor is O
        "",
        "1234",
    ],
)
def test_wrong_credit_codes_fail(code: str) -> None:
    assert not valid_uscc(code)


def test_legacy_numbers_by_length() -> None:
    assert valid_tax_number("370502123456789")  # 15: the old taxpayer number
    assert not valid_tax_number("37050219800101123X")  # 18 characters are a credit code: the check fails
    assert valid_tax_number("37050219800101123")  # 17
    assert valid_tax_number("37050219800101123400")  # 20: an ID card number plus two digits
    assert not valid_tax_number("3705021234567")  # 13
    assert not valid_tax_number("37050212345678-")


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_every_check_character_completes_a_valid_code(first17: str) -> None:
    code = first17 + uscc_check_char(first17)
    assert valid_uscc(code)
    others = [ch for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY" if ch != code[17]]
    assert not valid_uscc(first17 + others[0])


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_tax_split_is_integer_fen_and_sums_to_the_gross(gross: int, rate: int) -> None:
    split = split_tax(gross, rate)
    assert isinstance(split.tax_fen, int) and isinstance(split.net_fen, int)
    assert split.net_fen + split.tax_fen == gross
    # Round half up of gross × rate / (10000 + rate): within half a fen of the exact value, ties upwards.
    exact_twice = 2 * gross * rate
    denominator = 10_000 + rate
    assert (2 * split.tax_fen - 1) * denominator <= exact_twice < (2 * split.tax_fen + 1) * denominator


def test_tax_split_examples_at_nine_percent() -> None:
    assert split_tax(10_900, 900).tax_fen == 900  # 109.00 yuan: 100.00 + 9.00
    assert split_tax(6854, 900).tax_fen == 566  # 68.54 × 9 / 109 = 5.659… → 5.66
    assert split_tax(0, 900).tax_fen == 0
    # At 9 % no amount falls on a half fen (18 × gross is even, 109 odd); at 100 % an odd gross does: half up.
    assert split_tax(3, 10_000).tax_fen == 2
    assert split_tax(5, 10_000).tax_fen == 3


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_link_round_trips_and_any_other_amount_fails(receipt_no: int, amount: int) -> None:
    key = link_key(b"k" * 32)
    url = make_link("https://fapiao.example.cn/r", key, InvoiceLink("DY-0001", receipt_no, amount))
    assert verify_link(key, url, "DY-0001") == InvoiceLink("DY-0001", receipt_no, amount)
    with pytest.raises(BadInvoiceLink):
        verify_link(key, url.replace(f"a={amount}&", f"a={amount + 1}&"), "DY-0001")
    with pytest.raises(BadInvoiceLink):
        verify_link(key, url, "DY-0002")  # another station's receipt
    with pytest.raises(BadInvoiceLink):
        verify_link(link_key(b"j" * 32), url, "DY-0001")  # a link no key of ours made
