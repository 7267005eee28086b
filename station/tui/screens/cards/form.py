"""The card counter's form read into a service's parameters; a refusal names the field and changes nothing."""

from __future__ import annotations

from typing import Any

from station.core import entry
from station.core.views import CardType
from station.tui.common import InputError, read_entry
from station.tui.screens.cards.fields import CARD_TYPES, CAUSES, parse_amount
from station.tui.screens.cards.view import CardScreenBase


class CardForm(CardScreenBase):
    def _parse_form(self) -> dict[str, Any]:
        mode = self.mode
        if mode == "recharge":
            return {"amount": parse_amount(self._value("f-amount"))}
        if mode == "adjust":
            return {"amount": parse_amount(self._value("f-adjust"), signed=True, field="adjust")}
        if mode == "pin":
            return {"pin": self._pin_pair()}
        if mode == "replace":
            cause = CAUSES.get(self._value("f-cause").strip())
            if cause is None:
                raise InputError("cause_invalid")
            return {
                "cause": cause,
                "number": self._card_number_field(),
                "uid": self._uid_field(),
                "pin": self._pin_single(),
            }
        if mode == "issue":
            card_type = CARD_TYPES.get(self._value("f-type").strip())
            if card_type is None:
                raise InputError("card_type_invalid")
            holder = self._value("f-holder").strip()
            if not holder:
                raise InputError("holder_required")
            limit = parse_amount(self._value("f-limit"), field="limit") if card_type is CardType.ACCOUNT else 0
            staff = self._value("f-staff").strip() if card_type is CardType.STAFF else None
            if card_type is CardType.STAFF and not staff:
                raise InputError("staff_number_required")
            typed_plates = entry.normalise(self._value("f-plates")).replace(",", " ").replace(",", " ").split()
            plates = [read_entry(entry.plate, p) for p in typed_plates]
            phone = self._value("f-phone").strip()
            if phone and not all(c.isdigit() or c in "-+ " for c in phone):
                raise InputError("phone_invalid")
            return {
                "card_type": card_type,
                "number": self._card_number_field(),
                "uid": self._uid_field(),
                "holder": holder,
                "phone": phone,
                "plates": plates,
                "limit": limit,
                "staff": staff,
                "pin": self._pin_single(),
            }
        return {}

    def _card_number_field(self) -> str:
        number = self._value("f-number").strip()
        if not number:
            raise InputError("input_empty")
        if len(number) > 32 or not number.isalnum() or not number.isascii():
            raise InputError("card_number_invalid")
        return number

    def _uid_field(self) -> str | None:
        uid = self._value("f-uid").strip().upper()
        if uid and (len(uid) > 20 or not all(c in "0123456789ABCDEF" for c in uid)):
            raise InputError("uid_invalid")
        return uid or None

    def _pin_single(self) -> str:
        return read_entry(entry.pin, self._value("f-pin"))

    def _pin_pair(self) -> str:
        pin = self._pin_single()
        if entry.normalise(self._value("f-pin2")) != pin:
            raise InputError("pin_mismatch")
        return pin
