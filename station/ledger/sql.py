"""Core statements on the ledger's tables, typed: the write paths of a fill use them where the ORM costs."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Result, Table
from sqlalchemy.orm import Session

from station.ledger.models import Base


def table(model: type[Base]) -> Table:
    """The model's table (declarative models type ``__table__`` as a plain FromClause)."""
    return cast(Table, model.__table__)


def inserted_id(result: Result[Any]) -> int:
    """The primary key of the row a single-row Core insert just wrote."""
    key = cast(CursorResult[Any], result).inserted_primary_key
    assert key is not None
    return int(key[0])


_CONNECTION = "station_connection"  # Session.info: the connection of the transaction under way


def run(session: Session, statement: Executable, params: Any = None) -> CursorResult[Any]:
    """A Core statement on the session's connection: the hot write paths skip ``Session.execute``'s ORM
    dispatch (there is no ORM entity in these statements to load or flush). The connection is looked up once
    per transaction (a ledger session is one transaction: ``LedgerCore._tx``)."""
    if session.autoflush:
        # As Session.execute would: pending ORM changes of the same transaction are seen (a no-op when clean).
        session.flush()
    connection = session.info.get(_CONNECTION)
    if connection is None or not session.in_transaction() or connection.closed:
        connection = session.info[_CONNECTION] = session.connection()
    return cast(CursorResult[Any], connection.execute(statement, params))
