"""Alembic environment of the head office: its own chain, its own version table (``hq_alembic_version``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config
VERSION_TABLE = "hq_alembic_version"


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
