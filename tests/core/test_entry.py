"""Typed values are read exactly: full-width forms as ASCII, anything not exactly valid refused by rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.core import entry
from station.core.entry import EntryRefused
from station.money import format_centi, format_yuan

FULL = str.maketrans("0123456789.-+", "０１２３４５６７８９．－＋")


def refused(fn: Callable[..., Any], text: str, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(EntryRefused) as info:
        fn(text, *args, **kwargs)
    return info.value.code


def test_money_exact() -> None:
    assert entry.money("12.5", "amount") == 1250
    assert entry.money(" １２．５０ ", "amount") == 1250
    assert entry.money("0", "tendered", allow_zero=True) == 0
    assert refused(entry.money, "-1", "amount") == "entry_negative"
    assert refused(entry.money, "1e9", "tendered") == "entry_not_number"
    assert refused(entry.money, "1.234", "amount") == "entry_decimals"
    assert refused(entry.money, "0", "amount") == "entry_not_positive"
    assert refused(entry.money, "100001", "amount") == "entry_too_large"
    assert refused(entry.money, ".", "amount") == "entry_not_number"
    assert refused(entry.money, "", "amount") == "entry_empty"
    assert refused(entry.money, "1 0", "amount") == "entry_not_number"
    assert refused(entry.money, "٣", "amount") == "entry_not_number"  # other scripts' digits are not read
    assert refused(entry.money, "9" * 5000, "amount") == "entry_too_large"


def test_quantity_pressure_count_rules() -> None:
    assert entry.quantity("30.25") == 3025
    assert refused(entry.quantity, ".") == "entry_not_number"
    assert refused(entry.quantity, "999999999") == "entry_too_large"
    assert refused(entry.pressure, "0") == "entry_not_positive"
    assert refused(entry.pressure, "1.") == "entry_not_number"
    assert entry.pressure("２．５") == 250
    assert entry.count("15", "count") == 15
    assert entry.count("0", "count") == 0
    assert refused(entry.count, "1.5", "count") == "entry_whole"
    assert refused(entry.count, "-1", "count") == "entry_negative"
    with pytest.raises(EntryRefused) as info:
        entry.pressure("0")
    assert info.value.params["field"] == "pressure"


def test_pin_and_plate() -> None:
    assert entry.pin("１２３４５６") == "123456"
    assert refused(entry.pin, "1") == "pin_format"
    assert refused(entry.pin, "12a4") == "pin_format"
    assert entry.plate(" 鲁e 12345 ") == "鲁E12345"
    assert entry.plate("鲁E·D12345") == "鲁ED12345"  # new-energy, 8 characters
    assert entry.plate("鲁Ｅ１２３４５") == "鲁E12345"
    for bad in ("🚗", "'; DROP TABLE cards;--", "E12345", "鲁E1234", "鲁E1234567", "X鲁12345", "鲁E-12345"):
        assert refused(entry.plate, bad) == "plate_format", bad


def test_staff_number() -> None:
    assert entry.staff_number(" ９００１ ") == "9001"
    assert refused(entry.staff_number, "  ") == "entry_empty"
    for bad in ("90 01", "9001;", "站长", "1" * 17):
        assert refused(entry.staff_number, bad) == "staff_number_format", bad


@given(st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False))
def test_full_width_reads_as_ascii(value: Any) -> None:
    text = str(value)
    assert entry.money(text, "amount", allow_zero=True) == entry.money(text.translate(FULL), "amount", allow_zero=True)
    assert entry.count(str(int(value)).translate(FULL), "count") == int(value)


TYPED = st.text(alphabet=st.sampled_from(list("0123456789.-+ e,０１９．－＋\u3000¥a٣²")), max_size=14) | st.text(
    max_size=10
)


@given(TYPED)
def test_any_text_parses_round_trip_or_is_refused(text: str) -> None:
    for fn, render in (
        (lambda s: entry.money(s, "amount"), format_yuan),
        (lambda s: entry.money(s, "tendered", allow_zero=True), format_yuan),
        (entry.quantity, format_centi),
        (entry.pressure, format_centi),
        (lambda s: entry.count(s, "count"), str),
    ):
        try:
            value = fn(text)
        except EntryRefused:
            continue
        assert fn(render(value)) == value
    for text_fn in (entry.pin, entry.plate):
        try:
            canonical = text_fn(text)
        except EntryRefused:
            continue
        assert text_fn(canonical) == canonical


def test_desk_note_counts_are_read_exactly() -> None:
    """A note count of 1.5 once became 15 (the point dropped by the field); now it is refused."""
    from station.tui.common import InputError
    from station.tui.screens.desk.base import parse_count

    assert parse_count("") == 0
    assert parse_count("１５") == 15
    for typed, code in (("1.5", "entry_whole"), ("-1", "entry_negative"), ("1e3", "entry_not_number")):
        with pytest.raises(InputError) as info:
            parse_count(typed)
        assert info.value.code == code


def test_staff_number_reads_full_width_and_refuses_anything_else() -> None:
    assert entry.staff_number(" １００１ ") == "1001"
    assert entry.staff_number("ａ12") == "a12"
    assert refused(entry.staff_number, "") == "entry_empty"
    assert refused(entry.staff_number, "10-01") == "staff_number_format"  # never 1001 by dropping the dash
    assert refused(entry.staff_number, "10 01") == "staff_number_format"
    assert refused(entry.staff_number, "1" * 17) == "staff_number_format"
    with pytest.raises(EntryRefused) as info:
        entry.staff_number("9-1", "manager_number")
    assert info.value.field == "manager_number"
