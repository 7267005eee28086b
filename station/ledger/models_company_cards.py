"""A company card's hold (一卡通) as this station placed it, added by migration 0020: online at head office, or
offline under the station's own limit. Written with the local hold, resolved with it (the event to head office in
the same transaction)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime


class CompanyHold(Base):
    __tablename__ = "company_holds"
    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id"), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(32))
    hold_key: Mapped[str] = mapped_column(String(96), unique=True)  # head office's idempotency key
    mode: Mapped[str] = mapped_column(String(8))  # "online" (held at head office) or "offline" (the station's risk)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[dt.date] = mapped_column(Date)  # the station's day it was placed: the offline limit is per day
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    settled_fen: Mapped[int | None] = mapped_column(BigInteger)  # None while open; 0 when given back
    __table_args__ = (Index("ix_company_holds_card_day", "card_no", "day"),)


class CompanyMove(Base):
    """What this station did to a company card's balance of record (a hold settled, a recharge, a replacement)
    under the outbox number that tells head office. Its balance here is head office's as last pulled plus the moves
    head office had not yet taken in then (numbers past the pull's high-water mark); the rest are dropped."""

    __tablename__ = "company_moves"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    card_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    delta_fen: Mapped[int] = mapped_column(BigInteger)
