"""Digital invoices (数电发票) and the recharge receipts they may be asked for, added by migration 0012.

An invoice row is kept for ever: its state moves requested → issued → reversing → reversed (红字), or
requested → failed (the platform refused it; the desk may correct the buyer and resubmit), and each move is
an ``invoice_events`` row saying who (or the worker) and when. One row per receipt: a receipt is invoiced at
most once. ``request_no`` is the platform's idempotency key; a resubmission after a refusal gets a new one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime

INVOICE_STATES = ("requested", "issued", "reversing", "reversed", "failed")


class RechargeReceiptRow(Base):
    """A recharge's receipt number, written in the recharge's transaction (a fill's is its receipt job)."""

    __tablename__ = "recharge_receipts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_no: Mapped[int] = mapped_column(BigInteger, unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    card_number: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_no: Mapped[int] = mapped_column(BigInteger, unique=True)  # invoiced at most once
    kind: Mapped[str] = mapped_column(String(12))  # fill | recharge
    fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # 价税合计
    net_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)
    rate_centi_percent: Mapped[int] = mapped_column(Integer)
    tax_code: Mapped[str] = mapped_column(String(19))
    buyer_name: Mapped[str] = mapped_column(String(100))
    buyer_tax_no: Mapped[str] = mapped_column(String(20))  # empty: a personal buyer
    buyer_email: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(12), index=True)
    request_no: Mapped[str] = mapped_column(String(48), unique=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    provider_invoice_no: Mapped[str | None] = mapped_column(String(40))
    red_invoice_no: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")  # the platform's refusal, or the reversal's reason
    tries: Mapped[int] = mapped_column(Integer, default=0)  # unanswered calls since the last state change
    next_try_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    __table_args__ = (
        CheckConstraint("amount_fen > 0 AND net_fen + tax_fen = amount_fen", name="amounts"),
        CheckConstraint(f"state IN {INVOICE_STATES!r}", name="state"),
    )


class InvoiceEvent(Base):
    __tablename__ = "invoice_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))  # None: the worker
    from_state: Mapped[str] = mapped_column(String(12))  # "" for the request itself
    to_state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
