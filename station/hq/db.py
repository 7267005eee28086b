"""The head office's database: PostgreSQL only (partitioned tables), its URL, engine and migrations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hq"
# Serialises the writers of versioned rows against pulls: a pull never sees version N+1 before N commits.
VERSION_LOCK = 0x48510001


def resolve_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("STATION_HQ_DB_URL") or DEFAULT_URL
    # Plain postgresql:// means psycopg 3 here; SQLAlchemy's default driver would be psycopg2.
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("pool_size", 10)
    return create_engine(resolve_url(url), pool_pre_ping=True, **kwargs)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", resolve_url(url).replace("%", "%%"))
    return config


def create_database(url: str) -> bool:
    """Make the URL's database on its server when it is not there yet; True when it was made."""
    from sqlalchemy.engine import make_url

    target = make_url(resolve_url(url))
    name = target.database
    if not name:
        return False
    from sqlalchemy.exc import OperationalError

    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                return False
            conn.execute(text('CREATE DATABASE "' + name.replace('"', '""') + '"'))
            return True
    except OperationalError:
        return False  # no maintenance database to ask: the migration says what is wrong with the URL itself
    finally:
        admin.dispose()


def upgrade(url: str, revision: str = "heads") -> None:
    """Create the database if it is missing, then migrate it to ``revision``."""
    from alembic import command

    create_database(url)
    command.upgrade(alembic_config(url), revision)


def next_version(conn: Connection) -> int:
    """A new version for a row a station pulls; held in order until this transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": VERSION_LOCK})
    return int(conn.execute(text("SELECT nextval('hq_version')")).scalar_one())


def current_version(conn: Connection) -> int:
    """The last version whose writer has committed (waits out a writer holding one)."""
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": VERSION_LOCK})
    row = conn.execute(text("SELECT last_value, is_called FROM hq_version")).one()
    return int(row[0]) if row[1] else 0
