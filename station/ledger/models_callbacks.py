"""Callbacks (回访), added by migration 0016.

Seed 000: customers are called back at random within 48 hours; seed 003 §7–8: a sample of the previous three to
five days' work, stratified so each front-line attendant gets a balanced share, two scores 1–10 (service
attitude, professional ability), and "fair" or "poor" answers to the other questions followed up. A day's
list is drawn once (one ``callback_draws`` row per day, with the random seed that drew it, so the draw can be
repeated and checked); a sale is called back at most once; a callback row is recorded once and never deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime

STATES = ("pending", "done", "not_reached")


class CallbackDraw(Base):
    __tablename__ = "callback_draws"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)  # the business date the list is for
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    candidates: Mapped[int] = mapped_column(Integer)  # sales there were to draw from


class Callback(Base):
    __tablename__ = "callbacks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("callback_draws.id"), index=True)
    fill_id: Mapped[int] = mapped_column(ForeignKey("fills.id"), unique=True)  # a sale is called back once
    receipt_no: Mapped[int | None] = mapped_column(BigInteger)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    phone: Mapped[str] = mapped_column(String(32))  # as the card held it at the draw
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    sale_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12), default="pending")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attitude: Mapped[int | None] = mapped_column(Integer)  # 服务态度 1–10
    ability: Mapped[int | None] = mapped_column(Integer)  # 业务能力 1–10
    environment: Mapped[str] = mapped_column(String(12), default="")  # satisfied | fair | poor | ""
    speed: Mapped[str] = mapped_column(String(12), default="")
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'done', 'not_reached')", name="state_known"),
        CheckConstraint("attitude IS NULL OR (attitude >= 1 AND attitude <= 10)", name="attitude_range"),
        CheckConstraint("ability IS NULL OR (ability >= 1 AND ability <= 10)", name="ability_range"),
        Index("ix_callbacks_state_due", "state", "due_at"),
        Index("ix_callbacks_attendant_sale", "attendant_id", "sale_at"),
    )
