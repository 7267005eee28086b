"""Ledger services: every business event as one database transaction with a balanced journal entry.

Roles are enforced here, not in a UI. Every method either commits all its effects or raises a
:class:`~station.ledger.errors.LedgerError` with nothing changed (except PIN failure counters, which are
persisted *before* the refusal is returned, by design: a restart must not reset them).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.config import Settings
from station.ledger import audit
from station.ledger.db import make_sessionmaker
from station.ledger.errors import InvalidInput, LedgerError, NotFound, PermissionDenied, Refused
from station.ledger.models import (
    Account,
    AccountKind,
    Attendant,
    Card,
    CardPlate,
    CardStatus,
    CardType,
    CashDrop,
    Cylinder,
    Fill,
    FillStatus,
    Hold,
    HoldStatus,
    JournalEntry,
    LaneAuthorization,
    PaymentMode,
    Posting,
    Price,
    Product,
    ReceiptJob,
    Role,
    SequenceStep,
    Shift,
    ShiftStatus,
    StationState,
    StockMovement,
    Vehicle,
)
from station.ledger.pins import check_pin, hash_pin, valid_pin
from station.money import MAX_FEN, amount_for

# Standard accounts. Card accounts are created per card: card:<number> and hold:<number>.
CASH_DRAWER = "cash:drawer"
CASH_SAFE = "cash:safe"
GAS_REVENUE = "revenue:gas"
FEE_REVENUE = "revenue:fees"
INTERNAL_USE = "expense:internal_use"
ADJUSTMENTS = "expense:adjustments"
OWNER_EQUITY = "equity:owner"

STANDARD_ACCOUNTS: dict[str, tuple[str, AccountKind]] = {
    CASH_DRAWER: ("Cash drawer 钱箱", AccountKind.ASSET),
    CASH_SAFE: ("Safe 保险柜", AccountKind.ASSET),
    GAS_REVENUE: ("Gas sales 售气收入", AccountKind.REVENUE),
    FEE_REVENUE: ("Card fees 工本费", AccountKind.REVENUE),
    INTERNAL_USE: ("Internal use 内部用气", AccountKind.EXPENSE),
    ADJUSTMENTS: ("Manual adjustments 调账", AccountKind.EXPENSE),
    OWNER_EQUITY: ("Owner's equity 所有者权益", AccountKind.EQUITY),
}

MAX_QUANTITY_CENTI = 100_000_00  # 100,000 units: no vehicle fill is larger


PRICE_PAST_TOLERANCE = dt.timedelta(seconds=60)  # "now" typed at the desk is a little in the past by the save


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ReplaceCause(enum.Enum):
    CUSTOMER = "customer"  # lost or broken by the customer: fee charged (seed 003)
    CARD_FAULT = "card_fault"  # the card failed: no fee


@dataclass(frozen=True)
class Actor:
    """Who is acting: taken from a successful login. Services re-read the role from the database."""

    id: int
    number: str
    name: str
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


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

    @property
    def masked_number(self) -> str:
        return "****" + self.number[-4:]

    @property
    def spendable_fen(self) -> int:
        return self.balance_fen + self.credit_limit_fen


@dataclass(frozen=True)
class FillRecord:
    """A completed dispenser transaction as the dispenser reported it."""

    dispenser: int
    nozzle: int
    transaction_number: int
    product_code: str
    unit: str
    unit_price_fen: int
    quantity_centi: int
    dispenser_amount_fen: int
    started_at: dt.datetime
    ended_at: dt.datetime
    pressure_before_centi_mpa: int = 0
    pressure_after_centi_mpa: int = 0
    totalizer_before_centi: int = 0
    totalizer_after_centi: int = 0
    stop_reason: str = ""


@dataclass(frozen=True)
class FillView:
    id: int
    dispenser: int
    nozzle: int
    transaction_number: int
    product_code: str
    unit: str
    unit_price_fen: int
    quantity_centi: int
    amount_fen: int
    dispenser_amount_fen: int
    amount_mismatch: bool
    status: FillStatus
    payment_mode: PaymentMode | None
    card_number: str | None
    plate: str
    tendered_fen: int | None
    change_fen: int | None
    started_at: dt.datetime
    ended_at: dt.datetime
    settled_at: dt.datetime | None
    engine_off_to_flow_ms: int | None
    fill_end_to_commit_ms: int | None
    pressure_before_centi_mpa: int
    pressure_after_centi_mpa: int
    stop_reason: str
    attendant_id: int | None
    created: bool = True  # False when record_fill found it already recorded
    hold_id: int | None = None  # the card hold placed for this fill before authorizing


@dataclass(frozen=True)
class ResumableAuthorization:
    """A sequence a restart brings back: at filling (``fill_id`` None) or at disconnect with its unpaid fill."""

    sequence_id: str
    dispenser: int
    nozzle: int
    plate: str
    attendant_id: int | None
    card_number: str | None
    hold_id: int | None
    hold_fen: int
    fill_id: int | None


@dataclass(frozen=True)
class CashSettlement:
    fill: FillView
    due_fen: int
    tendered_fen: int
    change_fen: int
    receipt_no: int = 0  # its receipt job was written with the sale


@dataclass(frozen=True)
class CardSettlement:
    fill: FillView
    card: CardView
    low_balance: bool
    receipt_no: int = 0  # its receipt job was written with the sale


@dataclass(frozen=True)
class ReceiptJobView:
    """A sale's receipt job: the fill, its receipt number, and what the receipt says about the payment."""

    id: int
    fill: FillView
    receipt_no: int
    payment: str  # cash | card
    detail: dict[str, Any]


@dataclass(frozen=True)
class RechargeResult:
    entry_id: int
    card: CardView
    amount_fen: int


@dataclass(frozen=True)
class CylinderProblem:
    code: str  # vehicle_unknown, cylinder_unregistered, inspection_overdue, design_life_ended, cylinder_failed
    serial: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    created_at: dt.datetime
    memo: str
    actor_id: int | None
    postings: tuple[tuple[str, int], ...]
    reverses_id: int | None = None


@dataclass
class _Posting:
    account: str
    amount_fen: int


@dataclass
class _EntryDraft:
    kind: str
    memo: str = ""
    postings: list[_Posting] = field(default_factory=list)

    def add(self, account: str, amount_fen: int) -> None:
        if amount_fen != 0:
            self.postings.append(_Posting(account, amount_fen))


def card_account(number: str) -> str:
    return f"card:{number}"


def hold_account(number: str) -> str:
    return f"hold:{number}"


def _check_amount(amount_fen: int, *, name: str = "amount", allow_zero: bool = False) -> None:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise InvalidInput("amount_not_integer", field=name)
    if amount_fen < 0 or (amount_fen == 0 and not allow_zero):
        raise InvalidInput("amount_not_positive", field=name)
    if amount_fen > MAX_FEN:
        raise InvalidInput("amount_too_large", field=name)


def normalise_plate(plate: str) -> str:
    return "".join(plate.split()).upper()


class Ledger:
    """The station's books. One instance per process; thread-compatible (a session per call)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        pin_key: bytes,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._pin_key = pin_key
        self._clock = clock
        self._sessions = make_sessionmaker(engine)
        self._readers = make_sessionmaker(engine, read_only=True)
        # Every writing session carries the audit chain's key: audit.append never writes an unkeyed link.
        self.audit_key = audit.chain_key(pin_key)
        self._sessions.configure(info={audit.KEY_INFO: self.audit_key})
        audit.register_key(engine, self.audit_key)

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A look-up: never takes SQLite's write lock, so it never waits on (or holds up) a sale."""
        with self._readers() as session:
            yield session

    def now(self) -> dt.datetime:
        return self._clock()

    def _account(self, session: Session, code: str) -> Account:
        account = session.scalar(select(Account).where(Account.code == code))
        if account is None:
            if code not in STANDARD_ACCOUNTS:
                raise NotFound("account_unknown", account=code)
            name, kind = STANDARD_ACCOUNTS[code]
            account = Account(code=code, name=name, kind=kind)
            session.add(account)
            session.flush()
        return account

    def _post(self, session: Session, draft: _EntryDraft, actor_id: int | None, **extra: Any) -> JournalEntry:
        """Write one balanced entry into the open shift, or, with none open, into the between-shifts bucket.

        The shift books: every entry belongs to exactly one shift or to the bucket. Services that take money
        by choice (recharge, fee, refund, adjustment, reversal, drop) call :meth:`_require_shift` first, so only
        what cannot be refused reaches the bucket: the settlement of gas already delivered, and the holds of a
        fill the dispenser ran. Bucket entries keep ``between_shifts`` for ever; ``shift_id`` stays NULL until
        the next shift opens and adopts them (ShiftDesk.open_shift), whose reconciliation shows them apart.
        """
        total = sum(p.amount_fen for p in draft.postings)
        if total != 0 or not draft.postings:
            # A programming error, never a user error: refuse before anything is written.
            raise LedgerError("entry_unbalanced", total=total)
        shift_id = self._open_shift_id(session)
        entry = JournalEntry(
            kind=draft.kind,
            created_at=self.now(),
            actor_id=actor_id,
            memo=draft.memo[:200],
            shift_id=shift_id,
            between_shifts=shift_id is None,
            **extra,
        )
        session.add(entry)
        session.flush()
        if shift_id is None:
            self._audit(session, actor_id, "between_shifts_entry", entry=entry.id, kind=draft.kind)
        for p in draft.postings:
            session.add(
                Posting(entry_id=entry.id, account_id=self._account(session, p.account).id, amount_fen=p.amount_fen)
            )
        session.flush()
        # Every entry is a link of the keyed audit chain: deleting a sale's rows cannot go unseen (db check).
        audit.append(
            session,
            at=self.now(),
            actor_id=actor_id,
            action=audit.JOURNAL_ENTRY,
            detail={
                "entry": entry.id,
                "kind": draft.kind,
                "postings": [[p.account, p.amount_fen] for p in draft.postings],
            },
        )
        return entry

    def _audit(
        self, session: Session, actor_id: int | None, action: str, approver_id: int | None = None, **detail: Any
    ) -> None:
        audit.append(session, at=self.now(), actor_id=actor_id, action=action, detail=detail, approver_id=approver_id)

    def _open_shift_id(self, session: Session) -> int | None:
        return session.scalar(select(Shift.id).where(Shift.status == ShiftStatus.OPEN).order_by(Shift.id.desc()))

    def _require_shift(self, session: Session) -> int:
        """Money taken by choice needs an open shift: it must land in some shift's drawer and report."""
        shift_id = self._open_shift_id(session)
        if shift_id is None:
            raise Refused("no_open_shift")
        return shift_id

    def _actor(self, session: Session, actor: Actor, *, manager: bool = False) -> Attendant:
        row = session.get(Attendant, actor.id)
        if row is None or not row.active:
            raise PermissionDenied("actor_unknown")
        if manager and row.role is not Role.MANAGER:
            raise PermissionDenied("manager_only")
        return row

    def _balance(self, session: Session, account_code: str) -> int:
        """Natural balance: debit-positive for assets/expenses, credit-positive for the rest."""
        account = session.scalar(select(Account).where(Account.code == account_code))
        if account is None:
            return 0
        raw = session.scalar(
            select(func.coalesce(func.sum(Posting.amount_fen), 0)).where(Posting.account_id == account.id)
        )
        raw = int(raw or 0)
        return raw if account.kind in (AccountKind.ASSET, AccountKind.EXPENSE) else -raw

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
            balance_fen=self._balance(session, card_account(card.number)),
            held_fen=self._balance(session, hold_account(card.number)),
            failed_pin_count=card.failed_pin_count,
            expires_on=card.expires_on,
        )

    def _fill_view(self, session: Session, fill: Fill, created: bool = True) -> FillView:
        card_number = session.get(Card, fill.card_id).number if fill.card_id else None  # type: ignore[union-attr]
        return FillView(
            id=fill.id,
            dispenser=fill.dispenser,
            nozzle=fill.nozzle,
            transaction_number=fill.transaction_number,
            product_code=fill.product_code,
            unit=fill.unit,
            unit_price_fen=fill.unit_price_fen,
            quantity_centi=fill.quantity_centi,
            amount_fen=fill.amount_fen,
            dispenser_amount_fen=fill.dispenser_amount_fen,
            amount_mismatch=fill.amount_mismatch,
            status=fill.status,
            payment_mode=fill.payment_mode,
            card_number=card_number,
            plate=fill.plate,
            tendered_fen=fill.tendered_fen,
            change_fen=fill.change_fen,
            started_at=fill.started_at,
            ended_at=fill.ended_at,
            settled_at=fill.settled_at,
            engine_off_to_flow_ms=fill.engine_off_to_flow_ms,
            fill_end_to_commit_ms=fill.fill_end_to_commit_ms,
            pressure_before_centi_mpa=fill.pressure_before_centi_mpa,
            pressure_after_centi_mpa=fill.pressure_after_centi_mpa,
            stop_reason=fill.stop_reason,
            attendant_id=fill.attendant_id,
            created=created,
            hold_id=fill.hold_id,
        )

    # ------------------------------------------------------------------ set-up

    def bootstrap(self) -> None:
        """Create standard accounts, products and configured prices; safe to run at every start."""
        with self._tx() as session:
            for code in STANDARD_ACCOUNTS:
                self._account(session, code)
            for product in self.settings.products:
                if session.get(Product, product.code) is None:
                    session.add(Product(code=product.code, name=product.name, name_en=product.name_en))
            session.flush()
            for price in self.settings.prices:
                exists = session.scalar(
                    select(Price.id).where(Price.product_code == price.product, Price.level == price.level)
                )
                if exists is None:
                    session.add(
                        Price(
                            product_code=price.product,
                            level=price.level,
                            unit_price_fen=price.unit_price,
                            effective_from=self.now(),
                            reason="config",
                        )
                    )

    def create_attendant(self, actor: Actor | None, *, number: str, name: str, role: Role, pin: str) -> Actor:
        """Add a staff member. The very first one may be created without an actor and must be a manager."""
        if not valid_pin(pin):
            raise InvalidInput("pin_format")
        number = number.strip()
        if not number or len(number) > 16 or not name.strip():
            raise InvalidInput("attendant_number_invalid")
        with self._tx() as session:
            existing = session.scalar(select(func.count(Attendant.id)))
            if actor is None:
                if existing:
                    raise PermissionDenied("manager_only")
                if role is not Role.MANAGER:
                    raise InvalidInput("first_staff_must_be_manager")
                actor_id = None
            else:
                actor_id = self._actor(session, actor, manager=True).id
            if session.scalar(select(Attendant.id).where(Attendant.number == number)) is not None:
                raise Refused("attendant_exists", number=number)
            row = Attendant(number=number, name=name.strip(), role=role, pin_hash=hash_pin(self._pin_key, pin))
            session.add(row)
            session.flush()
            self._audit(session, actor_id, "attendant_created", number=number, role=role.value)
            return Actor(row.id, row.number, row.name, row.role)

    def authenticate(self, number: str, pin: str) -> Actor:
        """Attendant login by number and PIN; the failure counter is persisted before refusing."""
        number = number.strip()
        with self._tx() as session:
            row = session.scalar(select(Attendant).where(Attendant.number == number).with_for_update())
            if row is None or not row.active:
                # Same refusal as a wrong PIN: do not tell a stranger which staff numbers exist.
                raise Refused("login_failed")
            if row.failed_pin_count >= self.settings.thresholds.pin_tries:
                raise Refused("login_locked")
            if not check_pin(self._pin_key, pin, row.pin_hash):
                row.failed_pin_count += 1
                self._audit(session, row.id, "login_failed", number=number)
                tries_left = max(0, self.settings.thresholds.pin_tries - row.failed_pin_count)
                session.commit()
                raise Refused("login_failed" if tries_left else "login_locked", tries_left=tries_left)
            row.failed_pin_count = 0
            self._audit(session, row.id, "login", number=number)
            return Actor(row.id, row.number, row.name, row.role)

    def authenticate_staff_card(self, uid: str) -> Actor:
        with self._tx() as session:
            card = session.scalar(select(Card).where(Card.uid == uid.strip().upper()))
            if card is None or card.card_type is not CardType.STAFF or card.attendant_id is None:
                raise Refused("not_a_staff_card")
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}")
            row = session.get(Attendant, card.attendant_id)
            if row is None or not row.active:
                raise Refused("login_failed")
            self._audit(session, row.id, "login", number=row.number, via="staff_card")
            return Actor(row.id, row.number, row.name, row.role)

    def unlock_attendant(self, manager: Actor, number: str) -> None:
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            row = session.scalar(select(Attendant).where(Attendant.number == number))
            if row is None:
                raise NotFound("attendant_unknown", number=number)
            row.failed_pin_count = 0
            self._audit(session, manager.id, "attendant_unlocked", number=number)

    # ------------------------------------------------------------------ prices

    def unit_price(self, product_code: str, level: int = 0, at: dt.datetime | None = None) -> int:
        """The price in force at ``at`` for the level, falling back to the list price (level 0)."""
        at = at or self.now()
        with self._read() as session:
            for lv in (level, 0):
                price = session.scalar(
                    select(Price.unit_price_fen)
                    .where(Price.product_code == product_code, Price.level == lv, Price.effective_from <= at)
                    .order_by(Price.effective_from.desc(), Price.id.desc())
                    .limit(1)
                )
                if price is not None:
                    return int(price)
        raise NotFound("price_unknown", product=product_code)

    def set_price(
        self,
        manager: Actor,
        product_code: str,
        level: int,
        unit_price_fen: int,
        reason: str,
        effective_from: dt.datetime | None = None,
    ) -> int:
        _check_amount(unit_price_fen, name="unit_price")
        if unit_price_fen > 100_000:
            raise InvalidInput("amount_too_large", field="unit_price")
        if not reason.strip():
            raise InvalidInput("reason_required")
        # A price cannot start in the past: the fills already sold at the old price would disagree with it.
        if effective_from is not None and effective_from < self.now() - PRICE_PAST_TOLERANCE:
            raise Refused("price_in_past", effective_from=effective_from.isoformat())
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            if session.get(Product, product_code) is None:
                raise NotFound("product_unknown", product=product_code)
            price = Price(
                product_code=product_code,
                level=level,
                unit_price_fen=unit_price_fen,
                effective_from=effective_from or self.now(),
                set_by_id=manager.id,
                reason=reason.strip()[:200],
            )
            session.add(price)
            session.flush()
            self._audit(
                session,
                manager.id,
                "price_set",
                product=product_code,
                level=level,
                unit_price_fen=unit_price_fen,
                effective_from=price.effective_from.isoformat(),
                reason=reason,
            )
            return price.id

    # ------------------------------------------------------------------ cards

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

    def recharge(self, actor: Actor, card_number: str, amount_fen: int) -> RechargeResult:
        """Cash recharge: the receipt shows exactly ``amount_fen`` (seed 002)."""
        _check_amount(amount_fen)
        with self._tx() as session:
            row = self._actor(session, actor)
            self._require_shift(session)
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            if card.card_type in (CardType.STAFF, CardType.INTERNAL):
                raise Refused("card_type_not_rechargeable", number=card.number)
            draft = _EntryDraft("recharge", memo=f"recharge card {card.number}")
            draft.add(CASH_DRAWER, amount_fen)
            draft.add(card_account(card.number), -amount_fen)
            entry = self._post(session, draft, row.id)
            self._audit(session, row.id, "card_recharged", number=card.number, amount_fen=amount_fen, entry=entry.id)
            return RechargeResult(entry.id, self._card_view(session, card), amount_fen)

    def load_opening_balance(self, manager: Actor, card_number: str, amount_fen: int) -> CardView:
        """Station setup: a card's balance brought over from the previous system, before the first shift.

        The money was taken long ago and sits in the safe, so no drawer is touched. Refused once any shift
        has been opened: from then on balances change only by recharges in a shift.
        """
        _check_amount(amount_fen)
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            if session.scalar(select(Shift.id).limit(1)) is not None:
                raise Refused("opening_balance_after_first_shift")
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            draft = _EntryDraft("opening_balance", memo=f"opening balance card {card.number}")
            draft.add(CASH_SAFE, amount_fen)
            draft.add(card_account(card.number), -amount_fen)
            entry = self._post(session, draft, manager.id)
            self._audit(
                session, manager.id, "card_opening_balance", number=card.number, amount_fen=amount_fen, entry=entry.id
            )
            return self._card_view(session, card)

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
        if view.card_type is CardType.STAFF:
            raise Refused("card_staff_not_for_fill")
        if view.status is not CardStatus.ACTIVE:
            raise Refused(f"card_{view.status.value}", number=view.number)
        if view.expires_on is not None and view.expires_on < today:
            raise Refused("card_expired", date=view.expires_on.isoformat())
        if plate and view.plates and normalise_plate(plate) not in view.plates:
            raise Refused("plate_not_bound", plate=normalise_plate(plate))
        if view.card_type is CardType.STORED_VALUE and view.balance_fen < self.settings.thresholds.minimum_card_balance:
            raise Refused("balance_low", balance_fen=view.balance_fen)
        if view.card_type is CardType.ACCOUNT and view.spendable_fen <= 0:
            raise Refused("credit_exhausted", balance_fen=view.balance_fen)
        return view

    def report_lost(self, actor: Actor, card_number: str) -> CardView:
        with self._tx() as session:
            row = self._actor(session, actor)
            card = self._card(session, number=card_number, lock=True)
            if card.status is CardStatus.CLOSED:
                raise Refused("card_closed", number=card.number)
            card.status = CardStatus.LOST
            self._audit(session, row.id, "card_reported_lost", number=card.number)
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

    def adjust(
        self, manager: Actor, card_number: str, amount_fen: int, reason: str, approver: Actor | None = None
    ) -> CardView:
        """Manual balance adjustment (signed). Above the approval limit a second manager must approve (seed 003)."""
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
            raise InvalidInput("amount_not_positive", field="amount")
        _check_amount(abs(amount_fen))
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._require_shift(session)
            approver_id = None
            if abs(amount_fen) > self.settings.thresholds.adjustment_approval_limit:
                if approver is None or approver.id == manager.id:
                    raise Refused("second_manager_required")
                approver_id = self._actor(session, approver, manager=True).id
            card = self._card(session, number=card_number, lock=True)
            if card.status is CardStatus.CLOSED:
                raise Refused("card_closed", number=card.number)
            balance = self._balance(session, card_account(card.number))
            if balance + amount_fen < -card.credit_limit_fen:
                raise Refused("balance_insufficient", balance_fen=balance)
            draft = _EntryDraft("adjustment", memo=reason.strip())
            draft.add(ADJUSTMENTS, amount_fen)
            draft.add(card_account(card.number), -amount_fen)
            entry = self._post(session, draft, manager.id, approver_id=approver_id)
            self._audit(
                session,
                manager.id,
                "card_adjusted",
                approver_id=approver_id,
                number=card.number,
                amount_fen=amount_fen,
                reason=reason,
                entry=entry.id,
            )
            return self._card_view(session, card)

    def reverse_entry(self, manager: Actor, entry_id: int, reason: str) -> int:
        """Correct a mistake with a reversing entry; the original stays. Returns the new entry's id."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._require_shift(session)
            original = session.get(JournalEntry, entry_id)
            if original is None:
                raise NotFound("entry_unknown", entry=entry_id)
            if original.kind in ("hold", "hold_resolve", "fill_sale"):
                # Those belong to a hold or a fill; reversing them alone would break their link.
                raise Refused("entry_not_reversible", entry=entry_id)
            if session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry_id)) is not None:
                raise Refused("entry_already_reversed", entry=entry_id)
            draft = _EntryDraft("reversal", memo=f"reverses #{entry_id}: {reason.strip()}")
            for posting in original.postings:
                account = session.get(Account, posting.account_id)
                assert account is not None
                draft.add(account.code, -posting.amount_fen)
            # A reversal must not push a card below its floor either.
            for p in draft.postings:
                if p.account.startswith("card:"):
                    card = self._card(session, number=p.account.removeprefix("card:"), lock=True)
                    if self._balance(session, p.account) - p.amount_fen < -card.credit_limit_fen:
                        raise Refused("balance_insufficient", number=card.number)
            entry = self._post(session, draft, manager.id, reverses_id=entry_id)
            self._audit(session, manager.id, "entry_reversed", entry=entry_id, reversal=entry.id, reason=reason)
            return entry.id

    # ------------------------------------------------------------------ holds (灰锁)

    def place_hold(
        self,
        actor: Actor,
        card_number: str,
        amount_fen: int,
        dispenser: int,
        nozzle: int,
        *,
        sequence_id: str = "",
        plate: str = "",
    ) -> int:
        """Hold the card; with ``sequence_id`` also write the lane authorization in the same transaction."""
        _check_amount(amount_fen)
        with self._tx() as session:
            row = self._actor(session, actor)
            if sequence_id:
                self._drop_stale_authorizations(session, dispenser, nozzle, row.id)
            card = self._card(session, number=card_number, lock=True)
            if card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            balance = self._balance(session, card_account(card.number))
            if card.card_type is not CardType.INTERNAL and balance - amount_fen < -card.credit_limit_fen:
                raise Refused("balance_insufficient", balance_fen=balance)
            draft = _EntryDraft("hold", memo=f"hold on {card.number} for {dispenser}/{nozzle}")
            if card.card_type is CardType.INTERNAL:
                # Internal cards carry no money; the hold is a zero-value marker on the card's own accounts.
                draft.add(OWNER_EQUITY, amount_fen)
                draft.add(hold_account(card.number), -amount_fen)
            else:
                draft.add(card_account(card.number), amount_fen)
                draft.add(hold_account(card.number), -amount_fen)
            entry = self._post(session, draft, row.id)
            hold = Hold(
                card_id=card.id,
                amount_fen=amount_fen,
                status=HoldStatus.OPEN,
                placed_entry_id=entry.id,
                dispenser=dispenser,
                nozzle=nozzle,
                created_at=self.now(),
            )
            session.add(hold)
            session.flush()
            if sequence_id:
                self._add_lane_authorization(session, row.id, sequence_id, dispenser, nozzle, plate, card.id, hold.id)
            return hold.id

    def _add_lane_authorization(
        self,
        session: Session,
        attendant_id: int,
        sequence_id: str,
        dispenser: int,
        nozzle: int,
        plate: str,
        card_id: int | None,
        hold_id: int | None,
    ) -> None:
        session.add(
            LaneAuthorization(
                sequence_id=sequence_id,
                dispenser=dispenser,
                nozzle=nozzle,
                attendant_id=attendant_id,
                plate=normalise_plate(plate),
                card_id=card_id,
                hold_id=hold_id,
                status="live",
                created_at=self.now(),
            )
        )

    def authorize_lane(self, actor: Actor, sequence_id: str, dispenser: int, nozzle: int, plate: str) -> None:
        """Before a cash authorize: remember who filled which plate, so a restart keeps them on the fill."""
        with self._tx() as session:
            row = self._actor(session, actor)
            self._drop_stale_authorizations(session, dispenser, nozzle, row.id)
            self._add_lane_authorization(session, row.id, sequence_id, dispenser, nozzle, plate, None, None)

    def drop_lane_authorization(self, actor: Actor, sequence_id: str) -> None:
        """The dispenser never authorized: forget the sequence's live authorization and give its hold back."""
        with self._tx() as session:
            row = self._actor(session, actor)
            live = session.scalars(
                select(LaneAuthorization).where(
                    LaneAuthorization.sequence_id == sequence_id, LaneAuthorization.status == "live"
                )
            ).all()
            self._drop_authorizations(session, live, row.id)

    def _drop_authorizations(self, session: Session, live: Sequence[LaneAuthorization], actor_id: int | None) -> None:
        for auth in live:
            auth.status = "dropped"
            hold = session.get(Hold, auth.hold_id, with_for_update=True) if auth.hold_id else None
            if hold is not None and hold.status is HoldStatus.OPEN:
                entry = self._resolve_hold(session, hold, 0, actor_id)
                hold.resolved_entry_id = entry.id if entry else None

    def _drop_stale_authorizations(self, session: Session, dispenser: int, nozzle: int, actor_id: int) -> None:
        """A new authorization at a nozzle ends any older one whose fill never came (the terminal died before the
        dispenser acted). The core authorizes only once the nozzle has no unacknowledged transaction, so an older
        live authorization there can no longer receive a fill: its hold goes back to the card, and the next fill
        cannot land on a dead card's hold."""
        stale = session.scalars(
            select(LaneAuthorization).where(
                LaneAuthorization.dispenser == dispenser,
                LaneAuthorization.nozzle == nozzle,
                LaneAuthorization.status == "live",
            )
        ).all()
        self._drop_authorizations(session, stale, actor_id)

    def authorizations_to_resume(self) -> list[ResumableAuthorization]:
        """What a restart must pick up: every live authorization (the dispenser may still be filling) and every
        recorded one whose fill is still unpaid (the sequence was at disconnect or settle)."""
        with self._read() as session:
            rows = session.execute(
                select(LaneAuthorization, Card.number, Hold.amount_fen)
                .join(Card, Card.id == LaneAuthorization.card_id, isouter=True)
                .join(Hold, Hold.id == LaneAuthorization.hold_id, isouter=True)
                .join(Fill, Fill.id == LaneAuthorization.fill_id, isouter=True)
                .where(
                    (LaneAuthorization.status == "live")
                    | ((LaneAuthorization.status == "recorded") & (Fill.status == FillStatus.UNPAID))
                )
                .order_by(LaneAuthorization.id)
            ).all()
            return [
                ResumableAuthorization(
                    sequence_id=auth.sequence_id,
                    dispenser=auth.dispenser,
                    nozzle=auth.nozzle,
                    plate=auth.plate,
                    attendant_id=auth.attendant_id,
                    card_number=number,
                    hold_id=auth.hold_id,
                    hold_fen=int(hold_fen or 0),
                    fill_id=auth.fill_id if auth.status == "recorded" else None,
                )
                for auth, number, hold_fen in rows
            ]

    def drop_unserved_authorization(self, sequence_id: str, nozzle_state: str) -> bool:
        """Start-up read-back: the nozzle holds no authorization and no transaction, so the fill never happened.
        The authorization ends and its hold goes back to the card; audited. False if it was not live."""
        with self._tx() as session:
            live = session.scalars(
                select(LaneAuthorization).where(
                    LaneAuthorization.sequence_id == sequence_id, LaneAuthorization.status == "live"
                )
            ).all()
            if not live:
                return False
            self._drop_authorizations(session, live, None)
            self._audit(
                session,
                None,
                "authorization_dropped",
                sequence=sequence_id,
                lane=f"{live[0].dispenser}/{live[0].nozzle}",
                nozzle_state=nozzle_state,
                holds=[a.hold_id for a in live if a.hold_id],
            )
            return True

    def live_lane_authorizations(self) -> list[tuple[str, int, int]]:
        """(sequence id, dispenser, nozzle) of every authorization whose transaction is not yet recorded."""
        with self._read() as session:
            rows = session.execute(
                select(LaneAuthorization.sequence_id, LaneAuthorization.dispenser, LaneAuthorization.nozzle)
                .where(LaneAuthorization.status == "live")
                .order_by(LaneAuthorization.id)
            ).all()
            return [(str(a), int(b), int(c)) for a, b, c in rows]

    def _resolve_hold(self, session: Session, hold: Hold, spent_fen: int, actor_id: int | None) -> JournalEntry | None:
        if hold.status is not HoldStatus.OPEN:
            raise Refused("hold_already_resolved", hold=hold.id)
        card = session.get(Card, hold.card_id)
        assert card is not None
        release = hold.amount_fen - min(spent_fen, hold.amount_fen)
        entry = None
        if release:
            draft = _EntryDraft("hold_release", memo=f"release hold #{hold.id}")
            draft.add(hold_account(card.number), release)
            draft.add(OWNER_EQUITY if card.card_type is CardType.INTERNAL else card_account(card.number), -release)
            entry = self._post(session, draft, actor_id)
        hold.status = HoldStatus.COMPLETED if spent_fen else HoldStatus.RELEASED
        hold.resolved_at = self.now()
        return entry

    def release_hold(self, actor: Actor, hold_id: int) -> CardView:
        """Give a hold back in full (the fill was aborted before any gas flowed)."""
        with self._tx() as session:
            row = self._actor(session, actor)
            hold = session.get(Hold, hold_id, with_for_update=True)
            if hold is None:
                raise NotFound("hold_unknown", hold=hold_id)
            entry = self._resolve_hold(session, hold, 0, row.id)
            hold.resolved_entry_id = entry.id if entry else None
            card = session.get(Card, hold.card_id)
            assert card is not None
            return self._card_view(session, card)

    # ------------------------------------------------------------------ fills

    def record_fill(
        self,
        record: FillRecord,
        *,
        attendant: Actor | None = None,
        plate: str = "",
        engine_off_to_flow_ms: int | None = None,
        card_number: str | None = None,
    ) -> FillView:
        """Record a completed dispenser transaction as an unpaid fill. Idempotent on its key.

        ``card_number``: the card the driver chose to pay with, so the card cannot be closed under it.
        """
        if record.quantity_centi < 0 or record.quantity_centi > MAX_QUANTITY_CENTI:
            raise InvalidInput("quantity_invalid")
        if record.unit_price_fen <= 0 or record.dispenser_amount_fen < 0 or record.dispenser_amount_fen > MAX_FEN:
            raise InvalidInput("amount_not_positive", field="unit_price")
        amount = amount_for(record.unit_price_fen, record.quantity_centi)
        key = (record.dispenser, record.nozzle, record.transaction_number)
        with self._read() as session:
            existing = self._find_fill(session, *key)
            if existing is not None:
                return self._fill_view(session, existing, created=False)
        try:
            with self._tx() as session:
                existing = self._find_fill(session, *key)
                if existing is not None:
                    return self._fill_view(session, existing, created=False)
                if session.get(Product, record.product_code) is None:
                    raise NotFound("product_unknown", product=record.product_code)
                card_id = self._card(session, number=card_number).id if card_number else None
                # The gas is gone: a fill with no shift open is not refused but goes to the audited bucket.
                shift_id = self._open_shift_id(session)
                mismatch = abs(amount - record.dispenser_amount_fen) > self.settings.thresholds.amount_mismatch_fen
                fill = Fill(
                    dispenser=record.dispenser,
                    nozzle=record.nozzle,
                    transaction_number=record.transaction_number,
                    product_code=record.product_code,
                    unit=record.unit,
                    unit_price_fen=record.unit_price_fen,
                    quantity_centi=record.quantity_centi,
                    amount_fen=amount,
                    dispenser_amount_fen=record.dispenser_amount_fen,
                    amount_mismatch=mismatch,
                    pressure_before_centi_mpa=record.pressure_before_centi_mpa,
                    pressure_after_centi_mpa=record.pressure_after_centi_mpa,
                    totalizer_before_centi=record.totalizer_before_centi,
                    totalizer_after_centi=record.totalizer_after_centi,
                    started_at=record.started_at,
                    ended_at=record.ended_at,
                    stop_reason=record.stop_reason,
                    status=FillStatus.UNPAID if amount else FillStatus.PAID,
                    plate=normalise_plate(plate),
                    card_id=card_id,
                    attendant_id=attendant.id if attendant else None,
                    shift_id=shift_id,
                    between_shifts=shift_id is None,
                    engine_off_to_flow_ms=engine_off_to_flow_ms,
                    settled_at=None if amount else self.now(),
                )
                session.add(fill)
                session.flush()
                self._attach_authorization(session, fill)
                if shift_id is None:
                    self._audit(
                        session,
                        attendant.id if attendant else None,
                        "between_shifts_fill",
                        fill=fill.id,
                        key=f"{record.dispenser}/{record.nozzle}/{record.transaction_number}",
                        quantity_centi=record.quantity_centi,
                        amount_fen=amount,
                    )
                if record.quantity_centi:
                    session.add(
                        StockMovement(
                            kind="fill",
                            product_code=record.product_code,
                            quantity_centi=-record.quantity_centi,
                            fill_id=fill.id,
                            reference=f"{record.dispenser}/{record.nozzle}/{record.transaction_number}",
                            created_at=self.now(),
                            actor_id=attendant.id if attendant else None,
                        )
                    )
                if mismatch:
                    self._audit(
                        session,
                        None,
                        "fill_amount_mismatch",
                        dispenser=record.dispenser,
                        nozzle=record.nozzle,
                        transaction=record.transaction_number,
                        ours_fen=amount,
                        dispenser_fen=record.dispenser_amount_fen,
                    )
                return self._fill_view(session, fill)
        except IntegrityError:
            # Another writer recorded the same transaction between our check and insert.
            with self._read() as session:
                existing = self._find_fill(session, *key)
                if existing is None:
                    raise
                return self._fill_view(session, existing, created=False)

    def _attach_authorization(self, session: Session, fill: Fill) -> None:
        """Give the fill what its sequence knew before authorizing (card, hold, plate, attendant).

        The oldest live authorization of the nozzle is this transaction's: the dispenser serves one at a time.
        A fill with nothing to pay gives its hold straight back.
        """
        auth = session.scalars(
            select(LaneAuthorization)
            .where(
                LaneAuthorization.dispenser == fill.dispenser,
                LaneAuthorization.nozzle == fill.nozzle,
                LaneAuthorization.status == "live",
            )
            .order_by(LaneAuthorization.id)
            .limit(1)
        ).first()
        if auth is None:
            return
        auth.status = "recorded"
        auth.fill_id = fill.id
        fill.card_id = fill.card_id or auth.card_id
        fill.plate = fill.plate or auth.plate
        fill.attendant_id = fill.attendant_id or auth.attendant_id
        fill.hold_id = auth.hold_id
        hold = session.get(Hold, auth.hold_id, with_for_update=True) if auth.hold_id else None
        if hold is not None and hold.status is HoldStatus.OPEN and fill.status is FillStatus.PAID:
            entry = self._resolve_hold(session, hold, 0, auth.attendant_id)
            hold.resolved_entry_id = entry.id if entry else None

    def _release_fill_hold(self, session: Session, fill: Fill, actor_id: int | None) -> None:
        """The fill is paid another way (cash, written off): its card hold goes back in the same transaction."""
        hold = session.get(Hold, fill.hold_id, with_for_update=True) if fill.hold_id else None
        if hold is not None and hold.status is HoldStatus.OPEN:
            entry = self._resolve_hold(session, hold, 0, actor_id)
            hold.resolved_entry_id = entry.id if entry else None

    @staticmethod
    def _find_fill(session: Session, dispenser: int, nozzle: int, number: int) -> Fill | None:
        return session.scalar(
            select(Fill).where(Fill.dispenser == dispenser, Fill.nozzle == nozzle, Fill.transaction_number == number)
        )

    def fill(self, fill_id: int) -> FillView:
        with self._read() as session:
            fill = session.get(Fill, fill_id)
            if fill is None:
                raise NotFound("fill_unknown", fill=fill_id)
            return self._fill_view(session, fill)

    def unpaid_fills(self, dispenser: int | None = None, nozzle: int | None = None) -> list[FillView]:
        with self._read() as session:
            stmt = select(Fill).where(Fill.status == FillStatus.UNPAID)
            if dispenser is not None:
                stmt = stmt.where(Fill.dispenser == dispenser)
            if nozzle is not None:
                stmt = stmt.where(Fill.nozzle == nozzle)
            return [self._fill_view(session, f) for f in session.scalars(stmt.order_by(Fill.id))]

    def _unpaid_fill(self, session: Session, fill_id: int) -> Fill:
        fill = session.get(Fill, fill_id, with_for_update=True)
        if fill is None:
            raise NotFound("fill_unknown", fill=fill_id)
        if fill.status is not FillStatus.UNPAID:
            raise Refused("fill_already_settled", fill=fill_id)
        return fill

    def settle_cash(
        self, actor: Actor, fill_id: int, tendered_fen: int, *, fill_end_to_commit_ms: int | None = None
    ) -> CashSettlement:
        _check_amount(tendered_fen, name="tendered")
        with self._tx() as session:
            row = self._actor(session, actor)
            fill = self._unpaid_fill(session, fill_id)
            if tendered_fen < fill.amount_fen:
                raise InvalidInput("tendered_too_little", due_fen=fill.amount_fen)
            draft = _EntryDraft("fill_sale", memo=f"cash sale {fill.dispenser}/{fill.nozzle}/{fill.transaction_number}")
            draft.add(CASH_DRAWER, fill.amount_fen)
            draft.add(GAS_REVENUE, -fill.amount_fen)
            entry = self._post(session, draft, row.id)
            self._release_fill_hold(session, fill, row.id)
            fill.status = FillStatus.PAID
            fill.payment_mode = PaymentMode.CASH
            fill.tendered_fen = tendered_fen
            fill.change_fen = tendered_fen - fill.amount_fen
            fill.sale_entry_id = entry.id
            fill.settled_at = self.now()
            fill.fill_end_to_commit_ms = fill_end_to_commit_ms
            fill.attendant_id = fill.attendant_id or row.id
            session.flush()
            receipt_no = self._receipt_job(session, fill, "cash", tendered_fen=tendered_fen, change_fen=fill.change_fen)
            return CashSettlement(
                self._fill_view(session, fill), fill.amount_fen, tendered_fen, fill.change_fen, receipt_no
            )

    def settle_card(
        self,
        actor: Actor,
        fill_id: int,
        card_number: str,
        *,
        hold_id: int | None = None,
        fill_end_to_commit_ms: int | None = None,
    ) -> CardSettlement:
        """Complete the hold with the actual amount (releasing the rest), or debit the card directly."""
        with self._tx() as session:
            row = self._actor(session, actor)
            fill = self._unpaid_fill(session, fill_id)
            card = self._card(session, number=card_number, lock=True)
            hold = None
            if hold_id is None and fill.hold_id is not None:
                # A fill recovered after a restart is settled against the hold placed for it, never debited twice.
                own = session.get(Hold, fill.hold_id)
                if own is not None and own.status is HoldStatus.OPEN and own.card_id == card.id:
                    hold_id = own.id
                else:
                    self._release_fill_hold(session, fill, row.id)
            if hold_id is not None:
                hold = session.get(Hold, hold_id, with_for_update=True)
                if hold is None or hold.card_id != card.id:
                    raise NotFound("hold_unknown", hold=hold_id)
                if hold.status is not HoldStatus.OPEN:
                    raise Refused("hold_already_resolved", hold=hold_id)
            elif card.status is not CardStatus.ACTIVE:
                raise Refused(f"card_{card.status.value}", number=card.number)
            amount = fill.amount_fen
            from_hold = min(amount, hold.amount_fen) if hold else 0
            from_card = amount - from_hold
            balance = self._balance(session, card_account(card.number))
            internal = card.card_type is CardType.INTERNAL
            if from_card and not internal and balance - from_card < -card.credit_limit_fen:
                raise Refused("balance_insufficient", balance_fen=balance)
            draft = _EntryDraft(
                "fill_sale", memo=f"card sale {card.number} {fill.dispenser}/{fill.nozzle}/{fill.transaction_number}"
            )
            if internal:
                # Internal cards: no revenue; the gas is booked as the station's own use.
                draft.add(hold_account(card.number), from_hold)  # undo the hold's marker
                draft.add(INTERNAL_USE, amount)
                draft.add(OWNER_EQUITY, -(from_hold + amount))
            else:
                draft.add(hold_account(card.number), from_hold)
                draft.add(card_account(card.number), from_card)
                draft.add(GAS_REVENUE, -amount)
            entry = self._post(session, _merge(draft), row.id)
            if hold is not None:
                release_entry = self._resolve_hold(session, hold, amount, row.id)
                hold.resolved_entry_id = (release_entry or entry).id
            if fill.hold_id is not None and fill.hold_id != (hold.id if hold else None):
                self._release_fill_hold(session, fill, row.id)  # paid from another hold or card: its own goes back
            fill.status = FillStatus.PAID
            fill.payment_mode = PaymentMode.CARD
            fill.card_id = card.id
            fill.hold_id = hold.id if hold else None
            fill.sale_entry_id = entry.id
            fill.settled_at = self.now()
            fill.fill_end_to_commit_ms = fill_end_to_commit_ms
            fill.attendant_id = fill.attendant_id or row.id
            session.flush()
            view = self._card_view(session, card)
            low = (
                card.card_type is CardType.STORED_VALUE
                and view.balance_fen < self.settings.thresholds.low_balance_reminder
            )
            receipt_no = self._receipt_job(
                session, fill, "card", card_number=card.number, balance_fen=view.balance_fen, low_balance=low
            )
            return CardSettlement(self._fill_view(session, fill), view, low, receipt_no)

    def clear_unpaid_fill(self, manager: Actor, fill_id: int, reason: str) -> FillView:
        """Manager: write off an unpaid fill (drive-off…) so the nozzle can be used again."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            fill = self._unpaid_fill(session, fill_id)
            self._release_fill_hold(session, fill, manager.id)
            fill.status = FillStatus.CLEARED
            fill.clear_reason = reason.strip()[:200]
            fill.settled_at = self.now()
            self._audit(
                session,
                manager.id,
                "unpaid_fill_cleared",
                fill=fill.id,
                amount_fen=fill.amount_fen,
                reason=reason,
                key=f"{fill.dispenser}/{fill.nozzle}/{fill.transaction_number}",
            )
            return self._fill_view(session, fill)

    def record_override(self, manager: Actor, what: str, reason: str, **detail: Any) -> None:
        """Audit a manager override of a safety refusal (e.g. a cylinder check)."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            self._audit(session, manager.id, "override", what=what, reason=reason, **detail)

    def record_incident(self, actor: Actor | None, what: str, **detail: Any) -> None:
        """Audit a safety incident (leak found, emergency stop, aborted sequence)."""
        with self._tx() as session:
            self._audit(session, actor.id if actor else None, "incident", what=what, **detail)

    def record_step(
        self,
        sequence_id: str,
        dispenser: int,
        nozzle: int,
        step: str,
        *,
        item: str = "",
        attendant: Actor | None = None,
        detail: str = "",
        at: dt.datetime | None = None,
    ) -> None:
        """Log one step of the fuelling sequence (time and attendant)."""
        with self._tx() as session:
            session.add(
                SequenceStep(
                    sequence_id=sequence_id,
                    dispenser=dispenser,
                    nozzle=nozzle,
                    step=step,
                    item=item[:32],
                    at=at or self.now(),
                    attendant_id=attendant.id if attendant else None,
                    detail=detail[:2000],
                )
            )

    def link_steps_to_fill(self, sequence_id: str, fill_id: int) -> None:
        with self._tx() as session:
            for row in session.scalars(select(SequenceStep).where(SequenceStep.sequence_id == sequence_id)):
                row.fill_id = fill_id

    def sequence_steps(self, sequence_id: str) -> list[tuple[str, str, dt.datetime, int | None]]:
        with self._read() as session:
            rows = session.scalars(
                select(SequenceStep).where(SequenceStep.sequence_id == sequence_id).order_by(SequenceStep.id)
            )
            return [(r.step, r.item, r.at, r.attendant_id) for r in rows]

    # ------------------------------------------------------------------ vehicles and cylinders

    def register_vehicle(self, manager: Actor, plate: str, owner: str, cylinders: Sequence[dict[str, Any]]) -> None:
        plate = normalise_plate(plate)
        if not plate or len(plate) > 16:
            raise InvalidInput("plate_invalid")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            if session.get(Vehicle, plate) is not None:
                raise Refused("vehicle_exists", plate=plate)
            session.add(Vehicle(plate=plate, owner=owner))
            session.flush()
            for cyl in cylinders:
                session.add(Cylinder(plate=plate, **cyl))
            self._audit(session, manager.id, "vehicle_registered", plate=plate, cylinders=len(cylinders))

    def check_vehicle(self, plate: str, today: dt.date | None = None) -> list[CylinderProblem]:
        """Step 5: every reason this vehicle's cylinders must not be filled (empty list: fine)."""
        today = today or self.now().date()
        plate = normalise_plate(plate)
        if not plate:
            raise InvalidInput("plate_invalid")
        with self._read() as session:
            vehicle = session.get(Vehicle, plate)
            if vehicle is None or not vehicle.cylinders:
                return [CylinderProblem("vehicle_unknown")]
            problems: list[CylinderProblem] = []
            for cyl in vehicle.cylinders:
                if not cyl.registration_no:
                    problems.append(CylinderProblem("cylinder_unregistered", cyl.serial))
                if cyl.failed:
                    problems.append(CylinderProblem("cylinder_failed", cyl.serial))
                if cyl.next_inspection < today:
                    problems.append(CylinderProblem("inspection_overdue", cyl.serial, cyl.next_inspection))
                if cyl.design_life_end < today:
                    problems.append(CylinderProblem("design_life_ended", cyl.serial, cyl.design_life_end))
            return problems

    # ------------------------------------------------------------------ cash

    def drawer_cash(self) -> int:
        with self._read() as session:
            return self._balance(session, CASH_DRAWER)

    def cash_drop(self, actor: Actor, amount_fen: int) -> int:
        """Move cash from the drawer to the safe; returns the drawer balance after."""
        _check_amount(amount_fen)
        with self._tx() as session:
            row = self._actor(session, actor)
            self._require_shift(session)
            drawer = self._balance(session, CASH_DRAWER)
            if amount_fen > drawer:
                raise Refused("drop_more_than_drawer", drawer_fen=drawer)
            draft = _EntryDraft("cash_drop", memo="drop to safe")
            draft.add(CASH_SAFE, amount_fen)
            draft.add(CASH_DRAWER, -amount_fen)
            entry = self._post(session, draft, row.id)
            session.add(
                CashDrop(
                    shift_id=self._open_shift_id(session),
                    amount_fen=amount_fen,
                    attendant_id=row.id,
                    entry_id=entry.id,
                    created_at=self.now(),
                )
            )
            self._audit(session, row.id, "cash_drop", amount_fen=amount_fen, entry=entry.id)
            return drawer - amount_fen

    # ------------------------------------------------------------------ shifts (opened and closed by ShiftDesk)

    def current_shift(self) -> int | None:
        with self._read() as session:
            return self._open_shift_id(session)

    # ------------------------------------------------------------------ stock

    def stock_centi(self, product_code: str) -> int:
        with self._read() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(StockMovement.quantity_centi), 0)).where(
                    StockMovement.product_code == product_code
                )
            )
            return int(total or 0)

    def record_stock_movement(
        self, actor: Actor, product_code: str, quantity_centi: int, kind: str, reference: str
    ) -> int:
        if kind not in ("delivery", "adjustment"):
            raise InvalidInput("stock_kind_invalid")
        if quantity_centi == 0 or abs(quantity_centi) > 10**9 or (kind == "delivery" and quantity_centi < 0):
            raise InvalidInput("quantity_invalid")
        with self._tx() as session:
            row = self._actor(session, actor, manager=kind == "adjustment")
            move = StockMovement(
                kind=kind,
                product_code=product_code,
                quantity_centi=quantity_centi,
                reference=reference[:64],
                created_at=self.now(),
                actor_id=row.id,
            )
            session.add(move)
            session.flush()
            self._audit(
                session, row.id, f"stock_{kind}", product=product_code, quantity_centi=quantity_centi, ref=reference
            )
            return move.id

    # ------------------------------------------------------------------ reading

    def journal(self, limit: int = 50) -> list[EntryView]:
        with self._read() as session:
            entries = session.scalars(select(JournalEntry).order_by(JournalEntry.id.desc()).limit(limit)).all()
            codes = dict(session.execute(select(Account.id, Account.code)).all())
            return [
                EntryView(
                    e.id,
                    e.kind,
                    e.created_at,
                    e.memo,
                    e.actor_id,
                    tuple((codes[p.account_id], p.amount_fen) for p in e.postings),
                    e.reverses_id,
                )
                for e in entries
            ]

    def account_balance(self, code: str) -> int:
        with self._read() as session:
            return self._balance(session, code)

    def next_receipt_number(self) -> int:
        with self._tx() as session:
            return self._next_receipt_number(session)

    @staticmethod
    def _next_receipt_number(session: Session) -> int:
        row = session.get(StationState, "receipt_counter", with_for_update=True)
        if row is None:
            row = StationState(key="receipt_counter", value="0")
            session.add(row)
        value = int(row.value) + 1
        row.value = str(value)
        session.flush()
        return value

    def _receipt_job(self, session: Session, fill: Fill, payment: str, **detail: Any) -> int:
        """Number the sale's receipt and queue it, in the sale's transaction: no receipt number goes unused."""
        receipt_no = self._next_receipt_number(session)
        session.add(
            ReceiptJob(
                fill_id=fill.id,
                receipt_no=receipt_no,
                payment=payment,
                detail=json.dumps(detail, sort_keys=True, ensure_ascii=False),
                created_at=self.now(),
            )
        )
        session.flush()
        return receipt_no

    def unspooled_receipts(self) -> list[ReceiptJobView]:
        """Receipt jobs of committed sales that the printer spool does not have yet, oldest first."""
        with self._read() as session:
            jobs = session.scalars(select(ReceiptJob).where(ReceiptJob.spooled_at.is_(None)).order_by(ReceiptJob.id))
            views = []
            for job in jobs:
                fill = session.get(Fill, job.fill_id)
                assert fill is not None
                views.append(
                    ReceiptJobView(
                        job.id, self._fill_view(session, fill), job.receipt_no, job.payment, json.loads(job.detail)
                    )
                )
            return views

    def mark_receipt_spooled(self, receipt_no: int) -> None:
        with self._tx() as session:
            job = session.scalar(select(ReceiptJob).where(ReceiptJob.receipt_no == receipt_no).with_for_update())
            if job is None:
                raise NotFound("receipt_unknown", receipt=receipt_no)
            if job.spooled_at is None:
                job.spooled_at = self.now()

    # Enough for a fill's rows and their index pages; small beside any working disk.
    WRITE_PROBE_BYTES = 16_384

    def probe_write(self) -> None:
        """Commit a small write and take it back: refused with ``ledger_unwritable`` when the database cannot
        write now (disk full, read-only file), so no gas is authorized whose sale could not be recorded."""
        from sqlalchemy.exc import DBAPIError  # local: keeps this method one hunk beside others' work

        try:
            with self._tx() as session:
                probe = StationState(key="write_probe", value="p" * self.WRITE_PROBE_BYTES)
                session.add(probe)
                session.flush()  # the pages are taken here: a full disk fails now
                session.delete(probe)
        except DBAPIError as exc:
            raise Refused("ledger_unwritable", detail=str(exc.orig or exc).splitlines()[0][:200]) from exc

    def fill_recorded(self, dispenser: int, nozzle: int, number: int) -> bool:
        """Whether this dispenser transaction is in the ledger (a look-up; takes no write lock)."""
        with self._read() as session:
            return self._find_fill(session, dispenser, nozzle, number) is not None


def _merge(draft: _EntryDraft) -> _EntryDraft:
    """Combine postings to the same account and drop zeros, so an entry never carries empty lines."""
    totals: dict[str, int] = {}
    for p in draft.postings:
        totals[p.account] = totals.get(p.account, 0) + p.amount_fen
    merged = _EntryDraft(draft.kind, draft.memo)
    for account, amount in totals.items():
        merged.add(account, amount)
    return merged
