"""The card counter's form: its fields, the services' modes, card types and causes, and typed yuan read."""

from __future__ import annotations

from station.core import entry
from station.core.views import CardStatus, CardType, ReplaceCause
from station.money import MAX_FEN
from station.tui.common import read_entry

# field id -> catalogue key of its label
FIELDS: dict[str, str] = {
    "f-amount": "cards.f.amount",
    "f-adjust": "cards.f.adjust",
    "f-cause": "cards.f.cause",
    "f-type": "cards.f.type",
    "f-number": "cards.f.number",
    "f-uid": "cards.f.uid",
    "f-holder": "cards.f.holder",
    "f-phone": "cards.f.phone",
    "f-plates": "cards.f.plates",
    "f-limit": "cards.f.limit",
    "f-staff": "cards.f.staff",
    "f-pin": "cards.f.pin",
    "f-pin2": "cards.f.pin2",
}

MODE_FIELDS: dict[str, list[str]] = {
    "idle": [],
    "recharge": ["f-amount"],
    "lost": [],
    "issue": ["f-type", "f-number", "f-uid", "f-holder", "f-phone", "f-plates", "f-limit", "f-staff", "f-pin"],
    "pin": ["f-pin", "f-pin2"],
    "replace": ["f-cause", "f-number", "f-uid", "f-pin"],
    "close": [],
    "adjust": ["f-adjust"],
    "statement": [],
}

CARD_TYPES = {"1": CardType.STORED_VALUE, "2": CardType.ACCOUNT, "3": CardType.INTERNAL, "4": CardType.STAFF}
CAUSES = {"1": ReplaceCause.CUSTOMER, "2": ReplaceCause.CARD_FAULT}
STATUS_MARK = {
    CardStatus.ACTIVE: ("green", "✓"),
    CardStatus.LOST: ("red", "✗"),
    CardStatus.LOCKED: ("dark_orange", "!"),
    CardStatus.CLOSED: ("red", "✗"),
}


def parse_amount(text: str, *, signed: bool = False, field: str = "recharge") -> int:
    """Typed yuan to fen. Letters, blanks, zero, negatives (unless ``signed``) and absurd sizes are refused."""
    raw = entry.normalise(text)
    negative = False
    if signed and raw[:1] in ("-", "+"):
        negative, raw = raw[0] == "-", raw[1:].strip()
    fen = read_entry(entry.money, raw, field, maximum=MAX_FEN)
    return -fen if negative else fen
