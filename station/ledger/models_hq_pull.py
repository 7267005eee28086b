"""What head office sends back to the station (its pull, by version), added by migration 0018: the card
blacklist (lost, closed, blocked at any station), card rules (daily limit, plates) and company card balances,
and the version they were taken at. Replaced whole on each newer pull, in one transaction."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.ledger.models import Base


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
    prices: Mapped[str] = mapped_column(Text, default="[]")  # JSON: head office's price rows for this station
    # This station's events head office had taken in when the pull was read (added by migration 0020).
    high_water: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
