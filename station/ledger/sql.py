"""Core statements on the ledger's tables, typed: the write paths of a fill use them where the ORM costs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Executable, Result, Table
from sqlalchemy.exc import DBAPIError
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


def _connection(session: Session) -> Connection:
    """The transaction's connection, looked up once, the session's pending ORM changes flushed first."""
    if session.autoflush:
        session.flush()  # as run(): pending ORM changes of the transaction are seen
    connection = session.info.get(_CONNECTION)
    if connection is None or not session.in_transaction() or connection.closed:
        connection = session.info[_CONNECTION] = session.connection()
    return cast(Connection, connection)


class DriverSQL:
    """One statement written once per paramstyle (SQLite ``?``, psycopg ``%s``), run on the DBAPI cursor of the
    transaction: ``Connection.execute`` costs ~70 µs a statement here, the cursor ~7 µs. Only for statements
    whose parameters and results need no type conversion (ints, strings, constants in the SQL)."""

    __slots__ = ("postgresql", "sqlite")

    def __init__(self, sql: str, *, pg_suffix: str = "") -> None:
        self.sqlite = sql
        self.postgresql = sql.replace("?", "%s") + pg_suffix


def _cursor_run(session: Session, statement: DriverSQL, params: Sequence[Any], many: bool) -> list[Any]:
    connection = _connection(session)
    dialect = connection.dialect
    sql = statement.sqlite if dialect.name == "sqlite" else statement.postgresql
    cursor = connection.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
            return []
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description is not None else []
    except dialect.loaded_dbapi.Error as exc:
        # Raised as Connection.execute would: callers catch SQLAlchemy's DBAPIError (IntegrityError, …).
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


def fetch(session: Session, statement: DriverSQL, *params: Any) -> list[Any]:
    """The statement's rows (tuples), on the session's transaction."""
    return _cursor_run(session, statement, params, many=False)


def execute_many(session: Session, statement: DriverSQL, rows: Sequence[Sequence[Any]]) -> None:
    """The statement once per row (executemany), on the session's transaction."""
    _cursor_run(session, statement, rows, many=True)


class DriverInsert:
    """A single-row insert of fixed columns on the driver's cursor, its values converted by each column type's
    own bind processor (as Core would: UTC datetimes, enums by value, booleans). Omitted columns with a scalar
    Python default get it, as Core would; a callable default is refused when the statement is made."""

    def __init__(self, model: type[Base], columns: Sequence[str]) -> None:
        self.table = table(model)
        self.columns = tuple(columns)
        self.defaults: dict[str, Any] = {}
        for column in self.table.columns:
            if column.name in self.columns or column.primary_key or column.default is None:
                continue
            if not column.default.is_scalar:
                raise ValueError(f"{self.table.name}.{column.name}: a callable default needs Core's insert")
            self.defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
        self._prepared: dict[str, tuple[str, list[Any]]] = {}

    def prepared(self, dialect: Any) -> tuple[str, list[Any]]:
        """The SQL and the columns' bind processors for this dialect, made once."""
        made = self._prepared.get(dialect.name)
        if made is None:
            names = (*self.columns, *self.defaults)
            marker = "?" if dialect.paramstyle == "qmark" else "%s"
            sql = f"INSERT INTO {self.table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
            if dialect.name != "sqlite":
                sql += " RETURNING id"
            processors = [self.table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
            made = self._prepared[dialect.name] = (sql, processors)
        return made


def insert_row(session: Session, statement: DriverInsert, values: Mapping[str, Any]) -> int:
    """Insert one row (``values`` holds exactly the statement's columns); its new id."""
    connection = _connection(session)
    dialect = connection.dialect
    sql, processors = statement.prepared(dialect)
    raw = [values[c] for c in statement.columns] + list(statement.defaults.values())
    params = [p(v) if p is not None else v for p, v in zip(processors, raw, strict=True)]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        if dialect.name == "sqlite":
            return int(cursor.lastrowid)
        row = cursor.fetchone()
        assert row is not None
        return int(row[0])
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


class DriverRow:
    """One row of a model's table by its id, on the driver's cursor: fixed columns, each value converted by its
    column type's own result processor (enums, UTC datetimes, booleans), as Core would return them.
    ``lock``: the row is locked for the transaction on PostgreSQL (FOR UPDATE); SQLite's writer holds the
    database already (BEGIN IMMEDIATE)."""

    def __init__(self, model: type[Base], columns: Sequence[str], *, lock: bool = False) -> None:
        self.table = table(model)
        self.columns = tuple(columns)
        self.lock = lock
        self._prepared: dict[str, tuple[str, list[Any]]] = {}

    def prepared(self, dialect: Any) -> tuple[str, list[Any]]:
        made = self._prepared.get(dialect.name)
        if made is None:
            marker = "?" if dialect.paramstyle == "qmark" else "%s"
            sql = f"SELECT {', '.join(self.columns)} FROM {self.table.name} WHERE id = {marker}"
            if self.lock and dialect.name != "sqlite":
                sql += " FOR UPDATE"
            processors = [
                self.table.c[n].type.dialect_impl(dialect).result_processor(dialect, None) for n in self.columns
            ]
            made = self._prepared[dialect.name] = (sql, processors)
        return made


def read_row(session: Session, statement: DriverRow, row_id: int) -> dict[str, Any] | None:
    """The row's values by column name, or None when there is no such row."""
    connection = _connection(session)
    dialect = connection.dialect
    sql, processors = statement.prepared(dialect)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, (row_id,))
        found = cursor.fetchone()
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, (row_id,), exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()
    if found is None:
        return None
    return {
        name: (p(v) if p is not None else v) for name, p, v in zip(statement.columns, processors, found, strict=True)
    }


class DriverUpdate:
    """``UPDATE … SET`` fixed columns ``WHERE id = ?`` on the driver's cursor, values converted by each column
    type's own bind processor (see DriverInsert)."""

    def __init__(self, model: type[Base], columns: Sequence[str]) -> None:
        self.table = table(model)
        self.columns = tuple(columns)
        self._prepared: dict[str, tuple[str, list[Any]]] = {}

    def prepared(self, dialect: Any) -> tuple[str, list[Any]]:
        made = self._prepared.get(dialect.name)
        if made is None:
            marker = "?" if dialect.paramstyle == "qmark" else "%s"
            sets = ", ".join(f"{n} = {marker}" for n in self.columns)
            sql = f"UPDATE {self.table.name} SET {sets} WHERE id = {marker}"
            processors = [self.table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in self.columns]
            made = self._prepared[dialect.name] = (sql, processors)
        return made


def update_row(session: Session, statement: DriverUpdate, row_id: int, values: Mapping[str, Any]) -> int:
    """Set the statement's columns (``values`` holds exactly them) on one row; the number of rows changed."""
    connection = _connection(session)
    dialect = connection.dialect
    sql, processors = statement.prepared(dialect)
    raw = [values[c] for c in statement.columns]
    params = [*(p(v) if p is not None else v for p, v in zip(processors, raw, strict=True)), row_id]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()
