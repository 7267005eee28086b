"""Money and metered quantities as integers.

Money is integer fen (分). Quantities are integers in the dispenser's resolution, 0.01 of the sale unit
(kg or Nm³), called "centi-units" here. Pressures are integers in 0.01 MPa. ``Decimal`` is used only to
parse and format at the edges; nothing here ever touches ``float``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

Fen = int
CentiUnits = int

# Sanity ceiling for a single money amount typed or computed at the station: 1,000,000 yuan.
MAX_FEN: Fen = 100_000_000


class MoneyFormatError(ValueError):
    """A typed amount is not a valid money value."""


def parse_yuan(text: str, *, allow_zero: bool = False, maximum: Fen = MAX_FEN) -> Fen:
    """Parse a yuan amount typed by a person ("12", "12.5", "12.50") into fen.

    Refuses floats' friends: exponents, more than two decimals, signs, blanks, absurd sizes.
    """
    if not isinstance(text, str):
        raise MoneyFormatError("amount must be text")
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("元", "")
    if not cleaned:
        raise MoneyFormatError("empty amount")
    if len(cleaned) > 12 or not all(c.isdigit() or c == "." for c in cleaned) or cleaned.count(".") > 1:
        raise MoneyFormatError(f"not an amount: {text!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the character check above
        raise MoneyFormatError(f"not an amount: {text!r}") from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyFormatError(f"more than two decimals: {text!r}")
    fen = int(value * 100)
    if fen == 0 and not allow_zero:
        raise MoneyFormatError("amount must be above zero")
    if fen > maximum:
        raise MoneyFormatError(f"amount too large: {text!r}")
    return fen


def format_yuan(fen: Fen) -> str:
    """Render fen as yuan with two decimals: 1234 -> '12.34', -5 -> '-0.05'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_decimal_units(text: str, *, places: int = 2, maximum: int = 10**9) -> int:
    """Parse a non-negative decimal with at most ``places`` decimals into an integer of 10**-places."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 12 or not all(c.isdigit() or c == "." for c in cleaned):
        raise MoneyFormatError(f"not a number: {text!r}")
    if cleaned.count(".") > 1 or not any(c.isdigit() for c in cleaned):
        raise MoneyFormatError(f"not a number: {text!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # guarded above; kept so a typed value never becomes a system error
        raise MoneyFormatError(f"not a number: {text!r}") from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise MoneyFormatError(f"more than {places} decimals: {text!r}")
    result = int(value.scaleb(places))
    if result > maximum:
        raise MoneyFormatError(f"too large: {text!r}")
    return result


def format_centi(value: int) -> str:
    """Render a 0.01-resolution integer (quantity, pressure) with two decimals."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 100)
    return f"{sign}{whole}.{frac:02d}"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Integer division rounding half away from zero (round-half-up for positive values)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def amount_for(unit_price_fen: Fen, quantity_centi: CentiUnits) -> Fen:
    """amount = round-half-up(unit price × quantity) to the fen (SPEC §3).

    ``unit_price_fen`` is fen per whole unit (kg or Nm³); ``quantity_centi`` is in 0.01 units.
    """
    if unit_price_fen < 0 or quantity_centi < 0:
        raise ValueError("price and quantity must not be negative")
    return round_half_up_div(unit_price_fen * quantity_centi, 100)


def quantity_for_amount(unit_price_fen: Fen, amount_fen: Fen) -> CentiUnits:
    """Largest quantity (0.01 units) whose amount does not exceed ``amount_fen``: for presets by amount."""
    if unit_price_fen <= 0:
        raise ValueError("unit price must be positive")
    quantity = (amount_fen * 100) // unit_price_fen
    # Rounding half-up lets a slightly larger quantity still price within the amount: take the largest.
    while amount_for(unit_price_fen, quantity + 1) <= amount_fen:
        quantity += 1
    while quantity > 0 and amount_for(unit_price_fen, quantity) > amount_fen:
        quantity -= 1
    return quantity


def split_change(tendered_fen: Fen, due_fen: Fen) -> Fen:
    """Change to give back for a cash sale; refuses a tender below the amount due."""
    if tendered_fen < due_fen:
        raise ValueError("tendered is less than the amount due")
    return tendered_fen - due_fen
