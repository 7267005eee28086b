"""Service ratings (服务评价), added by migration 0013.

At farewell the driver is asked to rate the service on the kiosk's rating pad (服务评价器). One row per question
asked: the sale it follows, the attendant who served, when it was asked and, when a key was pressed, the score
(1–5) and when. A question nobody answered keeps its row with no score: "skipped" is a fact the satisfaction
figures count apart, never a score. Rows are never changed once answered or closed as skipped.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime


class ServiceRating(Base):
    __tablename__ = "service_ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"), unique=True)
    attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    lane: Mapped[str] = mapped_column(String(8), default="")  # "dispenser/nozzle"
    source: Mapped[str] = mapped_column(String(8), default="pad")
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score_range"),
        Index("ix_service_ratings_attendant_asked", "attendant_id", "asked_at"),
    )
