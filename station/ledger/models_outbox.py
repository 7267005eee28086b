"""The outbox (发往总部的事件), added by migration 0017: every business event, written in the event's own
transaction, numbered per station without a gap, kept until head office has it (and after: it is the station's
record of what it sent)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime


class OutboxEvent(Base):
    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # 1, 2, 3… no gap
    key: Mapped[str] = mapped_column(String(96), unique=True)  # "<station>:<kind>:<local id>"
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[str] = mapped_column(Text)  # JSON, keys sorted: what head office stores as it is
