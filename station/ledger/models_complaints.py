"""Complaints (投诉), added by migration 0014.

Seed 000: record the customer's name, phone and what the complaint is, and answer within 48 hours; seed 001:
complaints are handled in a closed loop and never hidden, destroyed or held back. So a complaint row is never
deleted and its words are never overwritten: every change of state, the answer and every amendment is an event
row with who and when; the text shown is the latest amendment, the original stays in the complaint row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime

STATES = ("received", "in_hand", "answered", "closed")


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    channel: Mapped[str] = mapped_column(String(8))  # phone | kiosk
    customer: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    plate: Mapped[str] = mapped_column(String(16), default="")
    card_number: Mapped[str] = mapped_column(String(32), default="")
    category: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)  # as first taken down; amendments are events
    about_attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    about_fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"))
    state: Mapped[str] = mapped_column(String(12), default="received")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("state IN ('received', 'in_hand', 'answered', 'closed')", name="state_known"),
        Index("ix_complaints_state_due", "state", "due_at"),
    )


class ComplaintEvent(Base):
    __tablename__ = "complaint_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"))
    action: Mapped[str] = mapped_column(String(12))  # received, in_hand, answered, closed, amended
    note: Mapped[str] = mapped_column(Text, default="")
