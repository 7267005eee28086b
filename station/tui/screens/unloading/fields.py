"""The unloading log's typed fields: their names and labels, and the strict parsers for numbers, pressures and
temperatures (full-width digits are digits)."""

from __future__ import annotations

import re

from station.tui.common import InputError

ARRIVAL_INPUTS = ("trailer_plate", "tractor_plate", "driver", "supplier", "note_number", "declared", "water_volume")
READING_INPUTS = ("trailer_p", "trailer_t", "storage_p", "storage_t")


# Chinese input methods type full-width digits, point and minus: they mean the ASCII ones.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－−", "0123456789.--")
_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")

# The catalogue label of every field a refusal can name (screen inputs and the log's own field names).
FIELD_LABELS = {
    "trailer_plate": "unload.trailer_plate",
    "tractor_plate": "unload.tractor_plate",
    "driver": "unload.driver",
    "driver_name": "unload.driver",
    "supplier": "unload.supplier",
    "note_number": "unload.note_number",
    "declared": "unload.declared",
    "water_volume": "unload.water_volume",
    "trailer_p": "unload.trailer_p",
    "trailer_t": "unload.trailer_t",
    "storage_p": "unload.storage_p",
    "storage_t": "unload.storage_t",
    "measured": "unload.measure_field",
    "note": "unload.note",
}


def parse_number(text: str, field: str, *, places: int, low: int, high: int) -> int:
    """Exactly a decimal with at most ``places`` decimals, within [low, high] (in 10**-places units).

    Full-width digits are read as digits; anything else that is not exactly such a number (a stray sign, an
    exponent, a second point, a superscript) is refused with the field named, never bent into a number.
    """
    cleaned = text.strip().translate(_FULL_WIDTH)
    if not cleaned:
        raise InputError("unload_field_required", field=field)
    example = "12" if places == 0 else "12." + "5" * places
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        raise InputError("unload_field_not_number", field=field, example=example)
    sign, whole, decimals = (part or "" for part in match.groups())
    if decimals and places == 0:
        raise InputError("unload_field_whole", field=field)
    if len(decimals) > places:
        raise InputError("unload_field_decimals", field=field, places=places)
    value: int = int(whole) * 10**places + int(decimals.ljust(places, "0") or "0")
    if sign:
        value = -value
    if value < 0 <= low:
        raise InputError("unload_field_negative", field=field)
    if not low <= value <= high:
        raise InputError("unload_field_range", field=field, low=_fixed(low, places), high=_fixed(high, places))
    return value


def _fixed(value: int, places: int) -> str:
    if places == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def parse_temperature(text: str, field: str = "trailer_t") -> int:
    """'15.0' or '-3.5' °C -> integer 0.1 °C."""
    return parse_number(text, field, places=1, low=-500, high=800)


def parse_pressure(text: str, field: str = "trailer_p") -> int:
    """'20.5' MPa gauge -> integer 0.01 MPa."""
    return parse_number(text, field, places=2, low=0, high=3500)
