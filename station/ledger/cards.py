"""Customer and staff cards: issue, look-up, the driver's PIN, the step-4 check, lost, replaced, closed.

Money put onto a card is in :mod:`station.ledger.recharges`; a manager's correction in
:mod:`station.ledger.corrections`; a card's holds in :mod:`station.ledger.holds`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger.company_cards import (
    CompanyStanding,
    company_balance,
    company_card_service,
    company_standing,
    is_company_card,
)
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.journal import CASH_DRAWER, FEE_REVENUE, _check_amount, _EntryDraft, card_account, hold_account
from station.ledger.models import (
    Account,
    AccountKind,
    Attendant,
    Card,
    CardPlate,
    CardStatus,
    CardType,
    Fill,
    FillStatus,
)
from station.ledger.models_hq_pull import HqBlacklist
from station.ledger.pins import check_pin, hash_pin, valid_pin
from station.ledger.shifts.values import business_date_of
from station.ledger.staff import Actor, Staff
from station.ledger.vehicles import normalise_plate


class ReplaceCause(enum.Enum):
    CUSTOMER = "customer"  # lost or broken by the customer: fee charged (seed 003)
    CARD_FAULT = "card_fault"  # the card failed: no fee


@dataclass(frozen=True)
class CardView:
    id: int
    number: str
    uid: str | None
    card_type: CardType
    status: CardStatus
    holder: str
    phone: str
    plates: tuple[str, ...]
    price_level: int
    credit_limit_fen: int
    balance_fen: int  # available to spend (may be negative for an account card, down to minus the limit)
    held_fen: int  # locked by open holds
    failed_pin_count: int
    expires_on: dt.date | None
    company: bool = False  # a company card (一卡通): balance_fen is head office's, as the station last knew it

    @property
    def masked_number(self) -> str:
        return "****" + self.number[-4:]

    @property
    def spendable_fen(self) -> int:
        return self.balance_fen + self.credit_limit_fen


class Cards(Staff):
    """A card's life: issued, checked, locked by wrong PINs, reported lost, replaced, closed with a refund."""

    def _card(self, session: Session, *, number: str | None = None, uid: str | None = None, lock: bool = False) -> Card:
        if number is not None:
            number = number.strip()
            if not number or len(number) > 32:
                raise InvalidInput("card_number_invalid")
            stmt = select(Card).where(Card.number == number)
        elif uid is not None:
            stmt = select(Card).where(Card.uid == uid.strip().upper())
        else:
            raise InvalidInput("card_number_invalid")
        if lock:
            stmt = stmt.with_for_update()
        card = session.scalar(stmt)
        if card is None:
            raise NotFound("card_unknown", number=number or uid)
        return card

    def _card_view(self, session: Session, card: Card) -> CardView:
        company = company_balance(session, card.number)
        balance = company if company is not None else self._balance(session, card_account(card.number))
        return CardView(
            id=card.id,
            number=card.number,
            uid=card.uid,
            card_type=card.card_type,
            status=card.status,
            holder=card.holder,
            phone=card.phone,
            plates=tuple(p.plate for p in card.plates),
            price_level=card.price_level,
            credit_limit_fen=card.credit_limit_fen,
            balance_fen=balance,
            held_fen=self._balance(session, hold_account(card.number)),
            failed_pin_count=card.failed_pin_count,
            expires_on=card.expires_on,
            company=company is not None,
        )

    def issue_card(
        self,
        actor: Actor,
        *,
        number: str,
        uid: str | None,
        card_type: CardType,
        holder: str,
        pin: str,
        phone: str = "",
        plates: Sequence[str] = (),
        price_level: int = 0,
        credit_limit_fen: int = 0,
        expires_on: dt.date | None = None,
        staff_number: str | None = None,
    ) -> CardView:
        number = number.strip()
        if not number or len(number) > 32 or not number.isalnum():
            raise InvalidInput("card_number_invalid")
        if not holder.strip():
            raise InvalidInput("holder_required")
        if not valid_pin(pin):
            raise InvalidInput("pin_format")
        _check_amount(credit_limit_fen, name="credit_limit", allow_zero=True)
        if card_type is not CardType.ACCOUNT and credit_limit_fen:
            raise InvalidInput("credit_limit_only_for_account_cards")
        clean_plates = sorted({normalise_plate(p) for p in plates if p.strip()})
        if any(len(p) > 16 for p in clean_plates):
            raise InvalidInput("plate_invalid")
        with self._tx() as session:
            row = self._actor(
                session, actor, manager=card_type in (CardType.STAFF, CardType.INTERNAL, CardType.ACCOUNT)
            )
            if session.scalar(select(Card.id).where(Card.number == number)) is not None:
                raise Refused("card_exists", number=number)
            uid_norm = uid.strip().upper() if uid else None
            if uid_norm and session.scalar(select(Card.id).where(Card.uid == uid_norm)) is not None:
                raise Refused("card_uid_exists", uid=uid_norm)
            attendant_id = None
            if card_type is CardType.STAFF:
                staff = session.scalar(select(Attendant).where(Attendant.number == (staff_number or "")))
                if staff is None:
                    raise NotFound("attendant_unknown", number=staff_number)
                attendant_id = staff.id
            acct = Account(code=card_account(number), name=f"Card {number}", kind=AccountKind.LIABILITY)
            hold = Account(code=hold_account(number), name=f"Holds on card {number}", kind=AccountKind.LIABILITY)
            session.add_all([acct, hold])
            session.flush()
            card = Card(
                number=number,
                uid=uid_norm,
                card_type=card_type,
                status=CardStatus.ACTIVE,
                holder=holder.strip()[:64],
                phone=phone.strip()[:32],
                pin_hash=hash_pin(self._pin_key, pin),
                failed_pin_count=0,
                price_level=price_level,
                credit_limit_fen=credit_limit_fen,
                expires_on=expires_on,
                account_id=acct.id,
                hold_account_id=hold.id,
                attendant_id=attendant_id,
                issued_at=self.now(),
                plates=[CardPlate(plate=p) for p in clean_plates],
            )
            session.add(card)
            session.flush()
            self._audit(session, row.id, "card_issued", number=number, card_type=card_type.value, plates=clean_plates)
            return self._card_view(session, card)

    def card(self, *, number: str | None = None, uid: str | None = None) -> CardView:
        with self._read() as session:
            return self._card_view(session, self._card(session, number=number, uid=uid))

    def verify_card_pin(self, card_number: str, pin: str) -> CardView:
        """The driver's PIN. Wrong PINs count across restarts; at the limit the card locks.

        Only a well-formed PIN (the card rule: 4 to 8 digits) can cost a try; a one-digit typo is refused
        before the card is even read, so three typos never lock a customer's card.
        """
        if not valid_pin(pin):
            raise InvalidInput("pin_format")
        with self._tx() as session:
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            if not check_pin(self._pin_key, pin, card.pin_hash):
                card.failed_pin_count += 1
                tries_left = self.settings.thresholds.pin_tries - card.failed_pin_count
                if tries_left <= 0:
                    card.status = CardStatus.LOCKED
                    self._audit(session, None, "card_locked_pin", number=card.number)
                else:
                    self._audit(session, None, "card_pin_wrong", number=card.number, tries_left=tries_left)
                session.commit()  # the counter must survive the refusal
                if tries_left <= 0:
                    raise Refused("card_locked", number=card.number)
                raise Refused("pin_wrong", tries_left=tries_left)
            card.failed_pin_count = 0
            return self._card_view(session, card)

    def check_card_for_fill(
        self, *, number: str | None = None, uid: str | None = None, plate: str = "", today: dt.date | None = None
    ) -> CardView:
        """Step 4 of the fuelling sequence: refuse with the first reason that applies."""
        today = today or self.now().date()
        with self._read() as session:
            try:
                card = self._card(session, number=number, uid=uid)
            except NotFound:
                raise Refused("card_not_ours") from None
            view = self._card_view(session, card)
            reason = session.scalar(select(HqBlacklist.reason).where(HqBlacklist.card_no == view.number))
            company = company_standing(session, view.number, business_date_of(self.now()))
        if reason is not None:  # head office's blacklist: lost, closed or blocked at any station
            raise Refused("card_blacklisted", number=view.number, reason=reason or "-")
        if view.card_type is CardType.STAFF:
            raise Refused("card_staff_not_for_fill")
        if view.status is not CardStatus.ACTIVE:
            raise Refused(f"card_{view.status.value}", number=view.number)
        if view.expires_on is not None and view.expires_on < today:
            raise Refused("card_expired", date=view.expires_on.isoformat())
        if plate and view.plates and normalise_plate(plate) not in view.plates:
            raise Refused("plate_not_bound", plate=normalise_plate(plate))
        if company is not None:
            self._check_company_card(company, plate)
        if view.card_type is CardType.STORED_VALUE and view.balance_fen < self.settings.thresholds.minimum_card_balance:
            raise Refused("balance_low", balance_fen=view.balance_fen)
        if view.card_type is CardType.ACCOUNT and view.spendable_fen <= 0:
            raise Refused("credit_exhausted", balance_fen=view.balance_fen)
        return view

    def _check_company_card(self, company: CompanyStanding, plate: str) -> None:
        """Head office's rules for a company card (一卡通): its plates and its daily limit (its balance, as the
        station last knew it, is the view's; the hold at head office is the final word while the line is up)."""
        if plate and company.plates and normalise_plate(plate) not in {normalise_plate(p) for p in company.plates}:
            raise Refused("plate_not_bound", plate=normalise_plate(plate))
        if company.daily_limit_fen is not None and company.used_today_fen >= company.daily_limit_fen:
            raise Refused("card_daily_limit", limit_fen=company.daily_limit_fen)

    def report_lost(self, actor: Actor, card_number: str) -> CardView:
        with self._tx() as session:
            row = self._actor(session, actor)
            card = self._card(session, number=card_number, lock=True)
            if card.status is CardStatus.CLOSED:
                raise Refused("card_closed", number=card.number)
            card.status = CardStatus.LOST
            self._audit(session, row.id, "card_reported_lost", number=card.number)
            company_card_service(session, "lost", card.number, self.now())  # blocked at every station
            return self._card_view(session, card)

    def flag_lost_card_use(self, card_number: str, where: str) -> None:
        """A lost card was presented: record it so the manager sees it (SPEC §4)."""
        with self._tx() as session:
            self._audit(session, None, "lost_card_presented", number=card_number, where=where)

    def replace_card(
        self, manager: Actor, old_number: str, *, new_number: str, new_uid: str | None, cause: ReplaceCause, pin: str
    ) -> CardView:
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._require_shift(session)
            old = self._card(session, number=old_number, lock=True)
            if old.status is CardStatus.CLOSED:
                raise Refused("card_closed", number=old.number)
            if self._balance(session, hold_account(old.number)):
                raise Refused("card_has_open_hold", number=old.number)
            balance = self._balance(session, card_account(old.number))
            plates = [p.plate for p in old.plates]
            card_type, holder, phone = old.card_type, old.holder, old.phone
            level, limit, expires = old.price_level, old.credit_limit_fen, old.expires_on
            old_id = old.id
        # issue_card is its own transaction; the move below completes the replacement.
        new = self.issue_card(
            manager,
            number=new_number,
            uid=new_uid,
            card_type=card_type,
            holder=holder,
            pin=pin,
            phone=phone,
            plates=plates,
            price_level=level,
            credit_limit_fen=limit,
            expires_on=expires,
        )
        with self._tx() as session:
            self._require_shift(session)  # the fee goes into the drawer of the shift that checked above
            old_row = session.get(Card, old_id)
            assert old_row is not None
            old = old_row
            if balance:
                draft = _EntryDraft("card_transfer", memo=f"replace {old.number} -> {new.number}")
                draft.add(card_account(old.number), balance)
                draft.add(card_account(new.number), -balance)
                self._post(session, draft, manager.id)
            fee = self.settings.thresholds.replacement_card_fee if cause is ReplaceCause.CUSTOMER else 0
            if fee:
                draft = _EntryDraft("fee", memo=f"replacement fee for {new.number}")
                draft.add(CASH_DRAWER, fee)
                draft.add(FEE_REVENUE, -fee)
                self._post(session, draft, manager.id)
            old.status = CardStatus.CLOSED
            old.replaced_by_id = new.id
            company_card_service(session, "replaced", old.number, self.now(), new=new.number)
            self._audit(
                session,
                manager.id,
                "card_replaced",
                old=old.number,
                new=new.number,
                cause=cause.value,
                moved_fen=balance,
                fee_fen=fee,
            )
            return self._card_view(session, self._card(session, number=new.number))

    def close_card(self, manager: Actor, card_number: str, reason: str) -> int:
        """Close a card and refund its balance in cash; returns the refund in fen."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._require_shift(session)
            card = self._card(session, number=card_number, lock=True)
            if card.status is CardStatus.CLOSED:
                raise Refused("card_closed", number=card.number)
            if is_company_card(session, card.number):  # its balance of record, and its refund, are head office's
                raise Refused("company_card_close_at_hq", number=card.number)
            if self._balance(session, hold_account(card.number)):
                raise Refused("card_has_open_hold", number=card.number)
            unpaid = session.scalar(
                select(func.count(Fill.id)).where(Fill.card_id == card.id, Fill.status == FillStatus.UNPAID)
            )
            if unpaid:
                raise Refused("card_has_unpaid_fill", number=card.number)
            balance = self._balance(session, card_account(card.number))
            if balance < 0:
                raise Refused("card_owes", balance_fen=balance)
            if balance:
                draft = _EntryDraft("refund", memo=f"close card {card.number}")
                draft.add(card_account(card.number), balance)
                draft.add(CASH_DRAWER, -balance)
                self._post(session, draft, manager.id)
            card.status = CardStatus.CLOSED
            self._audit(session, manager.id, "card_closed", number=card.number, refund_fen=balance, reason=reason)
            return balance

    def reset_card_pin(self, manager: Actor, card_number: str, new_pin: str, reason: str) -> CardView:
        """Manager: set a new PIN and unlock a card locked by wrong PINs."""
        if not valid_pin(new_pin):
            raise InvalidInput("pin_format")
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            card = self._card(session, number=card_number, lock=True)
            if card.status in (CardStatus.CLOSED, CardStatus.LOST):
                raise Refused(f"card_{card.status.value}", number=card.number)
            card.pin_hash = hash_pin(self._pin_key, new_pin)
            card.failed_pin_count = 0
            card.status = CardStatus.ACTIVE
            self._audit(session, manager.id, "card_pin_reset", number=card.number, reason=reason)
            return self._card_view(session, card)
