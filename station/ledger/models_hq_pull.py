"""What head office sends back to the station (its pull, by version), added by migration 0018: the card
blacklist (lost, closed, blocked at any station), card rules (daily limit, plates) and company card balances,
and the version they were taken at. Replaced whole on each newer pull, in one transaction. Head office's price
schedules are kept one row each (migration 0019) until applied and read back from the dispensers (hq_prices.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base, UTCDateTime


class HqBlacklist(Base):
    __tablename__ = "hq_blacklist"
    card_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), default="")


class HqCardRule(Base):
    __tablename__ = "hq_card_rules"
    card_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    daily_limit_fen: Mapped[int | None] = mapped_column(BigInteger)
    plates: Mapped[str] = mapped_column(Text, default="[]")  # JSON list


class HqBalance(Base):
    __tablename__ = "hq_balances"
    card_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger)  # the balance of record at head office, as pulled


class HqPull(Base):
    __tablename__ = "hq_pull"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    prices: Mapped[str] = mapped_column(Text, default="[]")  # unused since 0019: schedules are hq_schedules rows
    # This station's events head office had taken in when the pull was read (added by migration 0020).
    high_water: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class HqSchedule(Base):
    """One price schedule head office addressed to this station: pending until due, then applied (its prices
    recorded) and read back from the dispensers, or refused whole. A row is applied at most once."""

    __tablename__ = "hq_schedules"
    schedule_version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    effective_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    items: Mapped[str] = mapped_column(Text)  # JSON, as head office sent it
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending, applied, read_back, refused, superseded
    reason: Mapped[str] = mapped_column(String(200), default="")
    pulled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    read_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    pushes: Mapped[int] = mapped_column(Integer, default=0)  # push rounds to the dispensers so far
    told_not_read: Mapped[bool] = mapped_column(Boolean, default=False)  # read_back false already sent
