"""Nozzle locks (泄漏锁定), added by migration 0008.

A leak at a nozzle — the dispenser's leak alarm, or an attendant aborting at step 6 because a leak was found —
locks that nozzle until a manager has checked it and clears the lock with a note. One row per lock; a cleared
lock keeps its row (who cleared it, when, why), so the history of a nozzle's leaks stays in the ledger. The
audit chain holds a link for the lock and one for its clearing (``station db check`` looks for both).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime


class NozzleLock(Base):
    __tablename__ = "nozzle_locks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispenser: Mapped[int] = mapped_column(Integer)
    nozzle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="leak")
    # What set it: "alarm" (the dispenser's leak alarm) or "abort" (a leak found at step 6).
    cause: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    locked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    clear_note: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_nozzle_locks_lane", "dispenser", "nozzle"),)
