"""Money: integer fen, round-half-up, no float anywhere near it."""

from __future__ import annotations

import ast
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.money import (
    MoneyFormatError,
    amount_for,
    format_yuan,
    parse_decimal_units,
    parse_yuan,
    quantity_for_amount,
    round_half_up_div,
)

ROOT = Path(__file__).resolve().parent.parent


@given(st.integers(1, 100_000), st.integers(0, 10**7))
def test_amount_is_decimal_round_half_up(price: int, quantity: int) -> None:
    expected = (Decimal(price) * Decimal(quantity) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert amount_for(price, quantity) == int(expected)


def test_half_fen_rounds_up() -> None:
    assert amount_for(450, 1523) == 6854  # 68.535 → 68.54
    assert amount_for(450, 1) == 5  # 0.045 → 0.05
    assert amount_for(430, 1) == 4  # 0.043 → 0.04
    assert round_half_up_div(-5, 10) == -1


@given(st.integers(1, 100_000), st.integers(0, 10**8))
def test_quantity_for_amount_never_exceeds(price: int, amount: int) -> None:
    q = quantity_for_amount(price, amount)
    assert amount_for(price, q) <= amount
    assert amount_for(price, q + 1) > amount


@given(st.lists(st.tuples(st.integers(1, 100_000), st.integers(0, 10**6)), max_size=50))
def test_sums_of_lines_equal_totals(lines: list[tuple[int, int]]) -> None:
    amounts = [amount_for(p, q) for p, q in lines]
    assert sum(amounts) == sum(int(a) for a in amounts)
    assert all(isinstance(a, int) for a in amounts)


@given(st.integers(0, 10**10))
def test_format_parse_round_trip(fen: int) -> None:
    if fen <= 100_000_000:
        assert parse_yuan(format_yuan(fen), allow_zero=True) == fen


@pytest.mark.parametrize("text", ["", "  ", "abc", "-5", "1e3", "1.234", "1..2", "12345678901234", "NaN", "0", "inf"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(MoneyFormatError):
        parse_yuan(text)


def test_no_float_near_money() -> None:
    """No float literal or float() call in the ledger, the head office, the money module, or the config."""
    offenders = []
    for path in [
        *sorted((ROOT / "station" / "ledger").rglob("*.py")),
        *sorted((ROOT / "station" / "hq").rglob("*.py")),
        ROOT / "station" / "money.py",
        ROOT / "station" / "config.py",
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                offenders.append(f"{path.name}:{node.lineno} float literal")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
                offenders.append(f"{path.name}:{node.lineno} float()")
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                operands = ast.unparse(node.left) + ast.unparse(node.right)
                if any(word in operands for word in ("fen", "amount", "price", "quantity", "balance")):
                    offenders.append(f"{path.name}:{node.lineno} true division on money")
    assert offenders == []


def test_a_lone_point_is_not_a_number_rather_than_a_system_error() -> None:
    # The desk's totalizer field parses with this: '.' once surfaced as InvalidOperation.
    with pytest.raises(MoneyFormatError):
        parse_decimal_units(".", places=2)
