"""The invoice link a receipt's QR code carries: station, receipt number, amount and a check value.

The check value is HMAC-SHA256 over the three, truncated to 16 hex digits, keyed with a key derived from the
PIN key under its own label (like the audit chain's key): nothing stored in the database can forge one, and a
receipt's link cannot be altered to another receipt or another amount without the check failing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

_KEY_LABEL = b"station invoice link v1"
CHECK_HEX = 16  # 64 bits: a guessed link is found wrong long before a useful one is guessed


class BadInvoiceLink(ValueError):
    """A scanned or typed payload that is no receipt's link, or whose check value does not match."""


@dataclass(frozen=True)
class InvoiceLink:
    station_code: str
    receipt_no: int
    amount_fen: int


def link_key(pin_key: bytes) -> bytes:
    """The link key, derived from the PIN key: a second key file could be lost on its own."""
    return hmac.new(pin_key, _KEY_LABEL, hashlib.sha256).digest()


def check_value(key: bytes, station_code: str, receipt_no: int, amount_fen: int) -> str:
    material = f"{station_code}|{receipt_no}|{amount_fen}".encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:CHECK_HEX]


def make_link(base_url: str, key: bytes, link: InvoiceLink) -> str:
    """The URL printed as the receipt's QR code."""
    query = urlencode(
        {
            "s": link.station_code,
            "r": str(link.receipt_no),
            "a": str(link.amount_fen),
            "c": check_value(key, link.station_code, link.receipt_no, link.amount_fen),
        }
    )
    return f"{base_url}?{query}"


def _one(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name, [])
    if len(values) != 1 or not values[0]:
        raise BadInvoiceLink(f"the link has no single {name!r} field")
    return values[0]


def _whole(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 15:
        raise BadInvoiceLink(f"{name} is not a whole number")
    return int(text)


def verify_link(key: bytes, payload: str, station_code: str) -> InvoiceLink:
    """The link of a scanned QR (a URL or only its query), checked: this station's, and unaltered."""
    text = payload.strip()
    query = urlsplit(text).query if "?" in text else text
    fields = parse_qs(query, keep_blank_values=True)
    station = _one(fields, "s")
    receipt_no = _whole(_one(fields, "r"), "the receipt number")
    amount_fen = _whole(_one(fields, "a"), "the amount")
    given = _one(fields, "c").lower()
    if station != station_code:
        raise BadInvoiceLink(f"the receipt is from station {station}, not {station_code}")
    expected = check_value(key, station, receipt_no, amount_fen)
    if not hmac.compare_digest(given, expected):
        raise BadInvoiceLink("the check value does not match: the link was altered")
    return InvoiceLink(station, receipt_no, amount_fen)
