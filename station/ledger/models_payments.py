"""Scan-to-pay orders (付款码支付), added by migration 0015.

One row per attempt to take a fill's money by a payment code, written and committed *before* the provider is
asked, so a crash at any point leaves an order number to query. ``order_no`` (station code, fill, attempt) is
the provider's idempotency key. The state moves created → paying → paid | failed | reversed; a paid one may be
refunded (refunding → refunded); ``duplicate`` is money the provider took for a fill already paid: never booked,
only given back (→ refunded). Every move is a ``payment_order_events`` row; orders are never deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime

ORDER_STATES = ("created", "paying", "paid", "failed", "reversed", "duplicate", "refunding", "refunded")
OPEN_STATES = ("created", "paying", "duplicate", "refunding")  # the provider must still be asked
PROVIDERS = ("wechat", "alipay")


class PaymentOrder(Base):
    __tablename__ = "payment_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    fill_id: Mapped[int] = mapped_column(ForeignKey("fills.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(8))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12), index=True)
    provider_txn: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sale_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    refund_no: Mapped[str] = mapped_column(String(32), default="")
    refund_reason: Mapped[str] = mapped_column(String(200), default="")
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    __table_args__ = (
        UniqueConstraint("fill_id", "attempt"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )


class PaymentOrderEvent(Base):
    __tablename__ = "payment_order_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    detail: Mapped[str] = mapped_column(String(200), default="")
