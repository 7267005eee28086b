"""The wire contract's bodies (docs/protocols/hq_sync.md) as validated models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    seq: int = Field(ge=1, le=2**62)
    key: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=40)
    at: dt.datetime
    payload: dict[str, Any]

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        # The station's clock in UTC; a naive time is read as UTC rather than as the server's zone.
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Batch(BaseModel):
    station: str = Field(min_length=1, max_length=32)
    events: list[Event] = Field(max_length=10_000)


class HoldRequest(BaseModel):
    hold_key: str = Field(min_length=1, max_length=200)
    station: str = Field(min_length=1, max_length=32)
    amount_fen: int


class SettleRequest(BaseModel):
    amount_fen: int


class PriceItem(BaseModel):
    product: str
    level: int = 0
    price_fen: int = Field(ge=1)


class PriceRequest(BaseModel):
    stations: list[str] = Field(min_length=1)
    effective_at: dt.datetime
    items: list[PriceItem] = Field(min_length=1)
