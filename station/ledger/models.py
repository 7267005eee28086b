"""The ledger's core tables in one piece: they share one Base and naming, and their foreign keys knit them together.

SQLAlchemy 2 typed models. Feature tables that hang off them live beside (``models_locks.py``,
``models_unloading.py``) and are imported by the package so Alembic sees them.

Money columns end in ``_fen`` (integer fen); quantities in ``_centi`` (0.01 of the sale unit); pressures
in ``_centi_mpa`` (0.01 MPa). Journal entries and postings are append-only: a correction is a reversing
entry, never an UPDATE of a posting.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored as naive UTC on every backend, returned timezone-aware, so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; use an aware UTC time")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Store the value text, not the member name, and as a plain VARCHAR+CHECK so SQLite and PostgreSQL match.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=24)


class Role(enum.Enum):
    ATTENDANT = "attendant"
    MANAGER = "manager"


class CardType(enum.Enum):
    STORED_VALUE = "stored_value"  # 储值卡
    ACCOUNT = "account"  # 记账卡: credit with a limit, billed later
    STAFF = "staff"  # 员工卡: logs an attendant in
    INTERNAL = "internal"  # 内部卡: station vehicles, test fills, no revenue


class CardStatus(enum.Enum):
    ACTIVE = "active"
    LOST = "lost"
    LOCKED = "locked"
    CLOSED = "closed"


class AccountKind(enum.Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    REVENUE = "revenue"
    EXPENSE = "expense"
    EQUITY = "equity"


class HoldStatus(enum.Enum):
    OPEN = "open"
    COMPLETED = "completed"
    RELEASED = "released"


class FillStatus(enum.Enum):
    UNPAID = "unpaid"
    PAID = "paid"
    CLEARED = "cleared"  # manager cleared an unpaid fill (drive-off) with a reason


class PaymentMode(enum.Enum):
    CASH = "cash"
    CARD = "card"
    MOBILE = "mobile"  # a payment code (付款码): WeChat Pay or Alipay; no CHECK on the column, no migration


class ShiftStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Product(Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))


class Price(Base):
    """A unit price for a product at a price level, effective from a time. Never edited: a new row wins."""

    __tablename__ = "prices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    level: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (CheckConstraint("unit_price_fen > 0", name="positive_price"),)


class Attendant(Base):
    __tablename__ = "attendants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    pin_hash: Mapped[str] = mapped_column(String(128))
    failed_pin_count: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind, "account_kind"))


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # printed on the card
    uid: Mapped[str | None] = mapped_column(String(32), unique=True)  # ISO 14443A UID, hex
    card_type: Mapped[CardType] = mapped_column(_enum(CardType, "card_type"))
    status: Mapped[CardStatus] = mapped_column(_enum(CardStatus, "card_status"))
    holder: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), default="")
    pin_hash: Mapped[str] = mapped_column(String(128))
    failed_pin_count: Mapped[int] = mapped_column(Integer, default=0)
    price_level: Mapped[int] = mapped_column(Integer, default=0)
    credit_limit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    hold_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))  # staff cards
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    plates: Mapped[list[CardPlate]] = relationship(
        back_populates="card", cascade="all, delete-orphan", order_by="CardPlate.plate"
    )
    __table_args__ = (CheckConstraint("credit_limit_fen >= 0", name="credit_limit_non_negative"),)


class CardPlate(Base):
    __tablename__ = "card_plates"
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), primary_key=True)
    card: Mapped[Card] = relationship(back_populates="plates")


class Vehicle(Base):
    __tablename__ = "vehicles"
    plate: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), default="")
    cylinders: Mapped[list[Cylinder]] = relationship(back_populates="vehicle", order_by="Cylinder.serial")


class Cylinder(Base):
    __tablename__ = "cylinders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(ForeignKey("vehicles.plate"))
    serial: Mapped[str] = mapped_column(String(32))
    registration_no: Mapped[str | None] = mapped_column(String(32))  # None: not registered
    next_inspection: Mapped[dt.date] = mapped_column(Date)
    design_life_end: Mapped[dt.date] = mapped_column(Date)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    vehicle: Mapped[Vehicle] = relationship(back_populates="cylinders")
    __table_args__ = (UniqueConstraint("plate", "serial"),)


class Shift(Base):
    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[ShiftStatus] = mapped_column(_enum(ShiftStatus, "shift_status"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    opening_float_fen: Mapped[int] = mapped_column(BigInteger)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)  # a day's shifts by their close
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    counted_cash_fen: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    # Drawer carried from the previous shift's count; a float that differs from it needs ``opening_note``.
    carried_cash_fen: Mapped[int | None] = mapped_column(BigInteger)
    opening_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class JournalEntry(Base):
    __tablename__ = "journal_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # fill, recharge, refund, fee, cash_drop, hold, ...
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)  # a shift's report reads by it
    # Taken with no shift open: shift_id stays NULL until the next shift opens and adopts it.
    between_shifts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    memo: Mapped[str] = mapped_column(String(200), default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.id")


class Posting(Base):
    """Signed amount: positive is a debit, negative a credit. An entry's postings sum to zero."""

    __tablename__ = "postings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="non_zero"),)


class Hold(Base):
    """A grey lock (灰锁) on a card's balance while its fill runs. Resolves exactly once."""

    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus, "hold_status"))
    placed_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    resolved_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    dispenser: Mapped[int | None] = mapped_column(Integer)
    nozzle: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive_hold"),
        # The holds open at a shift's end, found from it (covering: no row read) instead of every hold in history.
        Index("ix_holds_resolved_at_created_at", "resolved_at", "created_at"),
    )


class LaneAuthorization(Base):
    """What a fuelling sequence knew before it authorized a nozzle, so a restart can finish the fill.

    ``status``: live (authorized, transaction not yet recorded), recorded (its fill is in ``fill_id``),
    dropped (the dispenser never authorized; its hold was given back).
    """

    __tablename__ = "lane_authorizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence_id: Mapped[str] = mapped_column(String(64))
    dispenser: Mapped[int] = mapped_column(Integer)
    nozzle: Mapped[int] = mapped_column(Integer)
    attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    plate: Mapped[str] = mapped_column(String(16), default="")
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="live")
    fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Fill(Base):
    """One completed dispenser transaction, recorded exactly once by its key."""

    __tablename__ = "fills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispenser: Mapped[int] = mapped_column(Integer)
    nozzle: Mapped[int] = mapped_column(Integer)
    transaction_number: Mapped[int] = mapped_column(BigInteger)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    unit: Mapped[str] = mapped_column(String(8))
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    quantity_centi: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # round-half-up(price × quantity), ours
    dispenser_amount_fen: Mapped[int] = mapped_column(BigInteger)  # as the dispenser reported it
    amount_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    pressure_before_centi_mpa: Mapped[int] = mapped_column(Integer, default=0)
    pressure_after_centi_mpa: Mapped[int] = mapped_column(Integer, default=0)
    totalizer_before_centi: Mapped[int] = mapped_column(BigInteger, default=0)
    totalizer_after_centi: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stop_reason: Mapped[str] = mapped_column(String(24), default="")
    status: Mapped[FillStatus] = mapped_column(_enum(FillStatus, "fill_status"))
    payment_mode: Mapped[PaymentMode | None] = mapped_column(_enum(PaymentMode, "payment_mode"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id"))
    plate: Mapped[str] = mapped_column(String(16), default="")
    attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)  # a shift's report reads by it
    between_shifts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sale_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    tendered_fen: Mapped[int | None] = mapped_column(BigInteger)
    change_fen: Mapped[int | None] = mapped_column(BigInteger)
    engine_off_to_flow_ms: Mapped[int | None] = mapped_column(Integer)
    fill_end_to_commit_ms: Mapped[int | None] = mapped_column(Integer)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    clear_reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        UniqueConstraint("dispenser", "nozzle", "transaction_number"),
        CheckConstraint("quantity_centi >= 0", name="quantity_non_negative"),
        CheckConstraint("amount_fen >= 0", name="amount_non_negative"),
    )


class CashDrop(Base):
    __tablename__ = "cash_drops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StockMovement(Base):
    """The gas-stock quantity ledger: + deliveries − fills ± measured adjustments, in 0.01 sale units."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # delivery, fill, adjustment
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    quantity_centi: Mapped[int] = mapped_column(BigInteger)
    fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))


class AuditEvent(Base):
    """Hash-chained audit log: each row's hash covers the previous row's hash and its own content."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    action: Mapped[str] = mapped_column(String(48))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A shift's open event is found among the events of its action from its time on (not all history).
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)


class StationState(Base):
    """Small key/value facts the station keeps (e.g. the receipt counter)."""

    __tablename__ = "station_state"
    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ReceiptJob(Base):
    """A sale's receipt, written in the sale's own transaction so no kill can leave a sale without one.

    ``spooled_at`` is set once the printer spool has it; until then the core spools it again on start-up."""

    __tablename__ = "receipt_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fill_id: Mapped[int] = mapped_column(ForeignKey("fills.id"), unique=True)
    receipt_no: Mapped[int] = mapped_column(BigInteger, unique=True)
    payment: Mapped[str] = mapped_column(String(8))  # cash | card
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON: what the receipt prints about the payment
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    spooled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SequenceStep(Base):
    """One step of the fuelling sequence (SPEC §2), recorded with its time and attendant."""

    __tablename__ = "sequence_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence_id: Mapped[str] = mapped_column(String(32), index=True)
    dispenser: Mapped[int] = mapped_column(Integer)
    nozzle: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(24))
    item: Mapped[str] = mapped_column(String(32), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    detail: Mapped[str] = mapped_column(Text, default="")
    fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"))


# ====================================================================================================== shifts
# Shift handover and reconciliation (SPEC §6), added by migration 0003. The ``shifts`` table above keeps the
# minimal facts (status, float, times, counted cash, note); these tables hold what the manager's desk adds.


class ShiftAttendant(Base):
    """Who works a shift (besides the manager who opened it)."""

    __tablename__ = "shift_attendants"
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), primary_key=True)
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"), primary_key=True)


class ShiftTotalizer(Base):
    """A nozzle's totalizers at the opening and the closing of a shift (0.01 units and fen).

    ``*_typed`` is set when the reading was typed by hand because the dispenser was offline.
    """

    __tablename__ = "shift_totalizers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    dispenser: Mapped[int] = mapped_column(Integer)
    nozzle: Mapped[int] = mapped_column(Integer)
    opening_quantity_centi: Mapped[int] = mapped_column(BigInteger)
    opening_amount_fen: Mapped[int] = mapped_column(BigInteger)
    opening_typed: Mapped[bool] = mapped_column(Boolean, default=False)
    closing_quantity_centi: Mapped[int | None] = mapped_column(BigInteger)
    closing_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    closing_typed: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        UniqueConstraint("shift_id", "dispenser", "nozzle"),
        CheckConstraint("opening_quantity_centi >= 0 AND opening_amount_fen >= 0", name="opening_non_negative"),
    )


class ShiftCashCount(Base):
    """The drawer counted at the close, by denomination (fen)."""

    __tablename__ = "shift_cash_counts"
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), primary_key=True)
    denomination_fen: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    __table_args__ = (CheckConstraint("count >= 0", name="count_non_negative"),)


class DayClose(Base):
    """The day close (日结): the sums of a business day's closed, signed-off shifts."""

    __tablename__ = "day_closes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, unique=True)
    shift_count: Mapped[int] = mapped_column(Integer)
    fill_count: Mapped[int] = mapped_column(Integer)
    quantity_centi: Mapped[int] = mapped_column(BigInteger)
    sales_fen: Mapped[int] = mapped_column(BigInteger)
    cash_sales_fen: Mapped[int] = mapped_column(BigInteger)
    card_sales_fen: Mapped[int] = mapped_column(BigInteger)
    recharges_fen: Mapped[int] = mapped_column(BigInteger)
    drops_fen: Mapped[int] = mapped_column(BigInteger)
    expected_cash_fen: Mapped[int] = mapped_column(BigInteger)
    counted_cash_fen: Mapped[int] = mapped_column(BigInteger)
    over_short_fen: Mapped[int] = mapped_column(BigInteger)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class ShiftClosing(Base):
    """The stored outcome of a shift's close: the reconciliation's key figures, the note, the sign-off."""

    __tablename__ = "shift_closings"
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), primary_key=True)
    expected_cash_fen: Mapped[int] = mapped_column(BigInteger)
    counted_cash_fen: Mapped[int] = mapped_column(BigInteger)
    over_short_fen: Mapped[int] = mapped_column(BigInteger)  # counted − expected: positive over, negative short
    flagged_nozzles: Mapped[int] = mapped_column(Integer)
    variance_note: Mapped[str] = mapped_column(Text, default="")
    close_audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    audit_head: Mapped[str] = mapped_column(String(64))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    day_close_id: Mapped[int | None] = mapped_column(ForeignKey("day_closes.id"), index=True)
