"""Core statements on the ledger's tables, typed: the write paths of a fill use them where the ORM costs."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table

from station.ledger.models import Base


def table(model: type[Base]) -> Table:
    """The model's table (declarative models type ``__table__`` as a plain FromClause)."""
    return cast(Table, model.__table__)


def inserted_id(result: Result[Any]) -> int:
    """The primary key of the row a single-row Core insert just wrote."""
    key = cast(CursorResult[Any], result).inserted_primary_key
    assert key is not None
    return int(key[0])
