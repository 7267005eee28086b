"""Engines and sessions: SQLite by default (WAL, synchronous=FULL, foreign keys, BEGIN IMMEDIATE), PostgreSQL by URL."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

# Execution option marking a connection that only reads; see _configure_sqlite.
READ_ONLY = "station_read_only"
# Execution option marking a write whose commit need not wait for the disk (see make_sessionmaker).
LAZY_SYNC = "station_lazy_sync"
_SYNC_STATE = "station_synchronous"

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_db_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("cng-station", appauthor=False))
    return f"sqlite:///{data_dir / 'station.db'}"


def resolve_db_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("STATION_DB_URL") or default_db_url()


def _normalise(url: str) -> str:
    # Plain postgresql:// means psycopg 3 here; SQLAlchemy's default driver would be psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = _normalise(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database.removeprefix("file:")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it otherwise).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A reader takes no lock: in WAL it sees one snapshot and never holds up a sale or an E-STOP.
            _driver_sql(connection, "BEGIN")
        else:
            # synchronous is per connection; set only when it changes (a PRAGMA outside any transaction).
            wanted = "NORMAL" if connection.get_execution_options().get(LAZY_SYNC) else "FULL"
            info = connection.connection.info
            if info.get(_SYNC_STATE, "FULL") != wanted:
                _driver_sql(connection, f"PRAGMA synchronous={wanted}")
                info[_SYNC_STATE] = wanted
            # A writer takes the write lock up front: a balance check and its debit can never interleave.
            _driver_sql(connection, "BEGIN IMMEDIATE")


def _driver_sql(connection: Any, sql: str) -> None:
    """A transaction-control statement on the DBAPI connection: it returns no rows and needs none of
    exec_driver_sql's result machinery (a fill begins two transactions)."""
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
    except dbapi.Error as exc:
        # As exec_driver_sql would raise it ("database is locked" included): callers catch SQLAlchemy's errors.
        raise DBAPIError.instance(sql, (), exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()


def make_sessionmaker(engine: Engine, *, read_only: bool = False, lazy_sync: bool = False) -> sessionmaker[Session]:
    """Sessions for writing (SQLite: BEGIN IMMEDIATE) or, with read_only, for reading (a deferred BEGIN).

    ``lazy_sync``: writes whose commit does not wait for the disk. SQLite WAL with synchronous=NORMAL (and
    PostgreSQL's synchronous_commit=off, set by the caller per transaction) keeps a commit through a crash of
    the terminal; only a power cut before the next ordinary commit can take it back, which then fsyncs it too.
    For what carries no money and no safety decision (a sequence's closing steps)."""
    options: dict[str, bool] = {}
    if read_only:
        options[READ_ONLY] = True
    if lazy_sync:
        options[LAZY_SYNC] = True
    bind = engine.execution_options(**options) if options else engine
    return sessionmaker(bind, expire_on_commit=False)


def read_engine(engine: Engine) -> Engine:
    """The same engine, beginning its transactions without the write lock (reports, checks, look-ups)."""
    return engine.execution_options(**{READ_ONLY: True})


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", _normalise(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def upgrade_if_behind(url: str) -> bool:
    """Migrate to the head only when the schema is not there (a database not made yet included); True if it
    migrated. A database already at the head costs one read (no Alembic, no write lock)."""
    engine = make_engine(url)
    try:
        with read_engine(engine).connect() as conn:
            at_head = schema_versions(conn) == schema_heads()
    finally:
        engine.dispose()
    if not at_head:
        upgrade(url)
    return not at_head


def schema_versions(conn: Connection) -> set[str] | None:
    """The revisions the database is at (its alembic_version rows); None when it has no schema at all."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return {str(v) for v in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()}


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def schema_heads() -> set[str]:
    """The head revisions of the migrations, read from the ``revision =`` and ``down_revision =`` lines of
    their files: Alembic's script directory would import every migration (and Alembic) to say the same. A file
    written another way falls back to Alembic; ``tests/ledger/test_schema_heads.py`` holds the two equal."""
    revisions: set[str] = set()
    down: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down_revision = _REVISION.search(source), _DOWN_REVISION.search(source)
        names = _QUOTED.findall(revision.group(1)) if revision else []
        if len(names) != 1 or down_revision is None:
            return alembic_heads()
        revisions.add(names[0])
        down.update(_QUOTED.findall(down_revision.group(1)))
    return (revisions - down) or alembic_heads()


def alembic_heads() -> set[str]:
    """The head revisions as Alembic's script directory has them."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


class DatabaseUnavailable(Exception):
    """The database named cannot be used as it is; the message says why in one line."""


_NEW_HINT = "check --db (station db upgrade creates a database)"


def checked_url(url: str) -> URL:
    """The URL parsed, or a one-line refusal: malformed, or a NUL byte (libpq would cut the name there)."""
    try:
        parsed = make_url(_normalise(url))
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable(f"not a usable database URL: {type(exc).__name__}: {one_line(exc)}") from None
    parts = [url, parsed.database, parsed.username, parsed.password, parsed.host, *map(str, parsed.query.values())]
    if any("\x00" in part for part in parts if part):
        raise DatabaseUnavailable("the database URL contains a NUL byte")
    return parsed


def open_existing(url: str) -> Engine:
    """An engine on a station database that already exists at the schema's head. Never creates one: only
    ``station db upgrade`` does, so a mistyped path is an error instead of a new, empty database."""
    parsed = checked_url(url)
    where = "the database"
    try:
        if parsed.get_backend_name() == "sqlite":
            name = (parsed.database or "").removeprefix("file:")
            if not name or name == ":memory:" or not Path(name).is_file():
                raise DatabaseUnavailable(f"no database at {name or '(none)'}: {_NEW_HINT}")
            where = name
        engine = make_engine(url)
    except (ArgumentError, ValueError, ImportError) as exc:  # a malformed URL, a port that is no number, no driver
        raise DatabaseUnavailable(f"not a usable database URL: {type(exc).__name__}: {one_line(exc)}") from None
    try:
        with read_engine(engine).connect() as conn:  # a look, never the write lock a sale may be waiting for
            versions = schema_versions(conn)
        if versions is None:
            raise DatabaseUnavailable(f"not a station database (no schema): {_NEW_HINT}")
        heads = schema_heads()
        if versions != heads:
            at = ", ".join(sorted(versions)) or "none"
            raise DatabaseUnavailable(f"the schema is at {at}, not {', '.join(sorted(heads))}: run station db upgrade")
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"cannot read {where}: {one_line(exc)}") from None
    except DatabaseUnavailable:
        engine.dispose()
        raise
    return engine


def one_line(exc: BaseException) -> str:
    """A database error as the driver put it, first line only (no SQL, no parameters, no traceback)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def backup_sqlite(url: str, target: Path) -> int:
    """Copy a live SQLite database with the online backup API; returns the pages copied."""
    parsed = make_url(_normalise(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ValueError("backup works on SQLite databases; for PostgreSQL use pg_dump")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Read-only: a backup never writes its source, nor creates one where the path was mistyped.
    source_path = Path(parsed.database.removeprefix("file:")).resolve()
    source = sqlite3.connect(f"{source_path.as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(str(target))
    pages = 0

    def _progress(_status: int, remaining: int, total: int) -> None:
        nonlocal pages
        pages = total - remaining

    try:
        with dest:
            source.backup(dest, pages=256, progress=_progress)
    finally:
        dest.close()
        source.close()
    return pages
