"""What a person types into a field, read exactly: money, quantity, pressure, counts, PINs, plates.

Chinese input methods give full-width digits and punctuation (０-９, ．, －, ＋, 。); those are read as their
ASCII forms, and the ends are trimmed. Anything else that is not exactly a valid value is refused with the
field named and the rule broken (:class:`EntryRefused`); characters are never dropped to make a value fit.
"""

from __future__ import annotations

import re
from typing import Any

from station.money import CentiUnits, Fen, format_centi, format_yuan

# No single sale, tender or recharge at a forecourt kiosk reaches 100,000 yuan.
MAX_TYPED_FEN: Fen = 10_000_000
# A single fill preset: far above any cylinder (a bus takes ~ 200 kg).
MAX_QUANTITY_CENTI: CentiUnits = 100_000
# A gauge reading: CNG cylinders are filled to 20 MPa; a gauge ends well below 100 MPa.
MAX_PRESSURE_CENTI = 10_000
# Notes or coins of one denomination in a drawer.
MAX_COUNT = 9_999_999

_FULL_WIDTH: dict[int, int | str] = {ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")}
_FULL_WIDTH.update({ord(c): ord("A") + i for i, c in enumerate("ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")})
_FULL_WIDTH.update({ord(c): ord("a") + i for i, c in enumerate("ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ")})
_FULL_WIDTH.update({ord("．"): ".", ord("。"): ".", ord("－"): "-", ord("−"): "-", ord("＋"): "+", ord("\u3000"): " "})

_NUMBER = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)
# Longest whole part read at all; anything longer is too large for every field.
_MAX_WHOLE_DIGITS = 12

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# GA 36: province, issuing-office letter, then 5 letters/digits (6 on new-energy plates).
_PLATE = re.compile(rf"[{PROVINCES}][A-Z][A-Z0-9]{{5,6}}", re.ASCII)
_PLATE_SEPARATORS = str.maketrans("", "", " ·•・")
# A staff number as the login field takes it: letters and digits, at most 16.
_STAFF_NUMBER = re.compile(r"[0-9A-Za-z]{1,16}", re.ASCII)


class EntryRefused(ValueError):
    """A typed value is not exactly valid for its field. ``code`` names the rule, ``field`` the field."""

    def __init__(self, code: str, field: str, **params: Any) -> None:
        self.code = code
        self.field = field
        self.params: dict[str, Any] = {"field": field, **params}
        super().__init__(f"{field}: {code}")


def normalise(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII; the ends trimmed."""
    return text.translate(_FULL_WIDTH).strip()


def _decimal(text: str, field: str, *, places: int, positive: bool, high: int, render: str) -> int:
    cleaned = normalise(text)
    if not cleaned:
        raise EntryRefused("entry_empty", field)
    example = "12" if places == 0 else "12." + "5" * places
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        raise EntryRefused("entry_not_number", field, example=example)
    sign, whole, decimals = match.group(1), match.group(2), match.group(3) or ""
    if decimals and places == 0:
        raise EntryRefused("entry_whole", field)
    if len(decimals) > places:
        raise EntryRefused("entry_decimals", field, places=places)
    whole = whole.lstrip("0") or "0"
    if len(whole) > _MAX_WHOLE_DIGITS:
        raise EntryRefused("entry_too_large", field, high=render)
    value: int = int(whole) * 10**places + int(decimals.ljust(places, "0") or "0")
    if sign == "-" and value != 0:
        raise EntryRefused("entry_negative", field)
    if positive and value == 0:
        raise EntryRefused("entry_not_positive", field)
    if value > high:
        raise EntryRefused("entry_too_large", field, high=render)
    return value


def money(text: str, field: str, *, allow_zero: bool = False, maximum: Fen = MAX_TYPED_FEN) -> Fen:
    """Yuan, at most two decimals, → fen."""
    return _decimal(text, field, places=2, positive=not allow_zero, high=maximum, render=format_yuan(maximum))


def quantity(text: str, field: str = "quantity", *, maximum: CentiUnits = MAX_QUANTITY_CENTI) -> CentiUnits:
    """kg (or Nm³), at most two decimals, above zero → 0.01 units."""
    return _decimal(text, field, places=2, positive=True, high=maximum, render=format_centi(maximum))


def pressure(text: str, field: str = "pressure", *, maximum: int = MAX_PRESSURE_CENTI) -> int:
    """MPa gauge, at most two decimals, above zero → 0.01 MPa."""
    return _decimal(text, field, places=2, positive=True, high=maximum, render=format_centi(maximum))


def count(text: str, field: str, *, maximum: int = MAX_COUNT) -> int:
    """A whole number of pieces, zero or more."""
    return _decimal(text, field, places=0, positive=False, high=maximum, render=str(maximum))


def pin(text: str, field: str = "pin") -> str:
    """A PIN as the card's rule has it (4 to 8 digits). Full-width digits read as digits."""
    # The ledger's own rule, imported here: the login screen (which imports this module) paints before the
    # ledger is loaded, and reads a PIN only once the core is there.
    from station.ledger.pins import valid_pin

    cleaned = normalise(text)
    if not valid_pin(cleaned):
        raise EntryRefused("pin_format", field)
    return cleaned


def staff_number(text: str, field: str = "staff_number") -> str:
    """A staff (or manager) number: 1 to 16 letters or digits, nothing else. Full-width ones read as ASCII."""
    cleaned = normalise(text)
    if not cleaned:
        raise EntryRefused("entry_empty", field)
    if _STAFF_NUMBER.fullmatch(cleaned) is None:
        raise EntryRefused("staff_number_format", field)
    return cleaned


def plate(text: str, field: str = "plate") -> str:
    """A Chinese plate, upper case, without spaces or the printed dot: 鲁E12345, new-energy 鲁ED12345."""
    cleaned = normalise(text).translate(_PLATE_SEPARATORS).upper()
    if not cleaned:
        raise EntryRefused("entry_empty", field)
    if _PLATE.fullmatch(cleaned) is None:
        raise EntryRefused("plate_format", field)
    return cleaned
