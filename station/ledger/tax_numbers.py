"""Buyers' tax numbers: the 18-character unified social credit code (GB 32100-2015) with its check character,
and the older taxpayer numbers of 15, 17 or 20 characters (only their shape can be checked)."""

from __future__ import annotations

import re

# GB 32100-2015: 31 characters, the digits and the capitals without I, O, Z, S, V.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_LEGACY = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    if len(code) != 18 or any(ch not in _ALPHABET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def normalise_tax_number(text: str) -> str:
    return text.strip().replace(" ", "").upper()


def valid_tax_number(text: str) -> bool:
    """A unified social credit code with a right check character, or a legacy 15/17/20-character number."""
    code = normalise_tax_number(text)
    if len(code) == 18:
        return valid_uscc(code)
    return bool(_LEGACY.match(code))
