"""The schema's head as the start-up reads it (the migration files' lines) is Alembic's; a database at the head
is only looked at when the station opens, one behind is migrated."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine

from station.ledger.db import (
    alembic_config,
    alembic_heads,
    make_engine,
    read_engine,
    schema_heads,
    schema_versions,
    upgrade_if_behind,
)


def versions(engine: Engine) -> set[str] | None:
    with read_engine(engine).connect() as conn:
        return schema_versions(conn)


def test_schema_heads_read_from_the_files_are_alembics() -> None:
    assert schema_heads() == alembic_heads()
    assert len(schema_heads()) == 1


def test_upgrade_only_when_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'station.db'}"
    engine = make_engine(url)
    assert upgrade_if_behind(url)  # no database yet: made and migrated
    assert versions(engine) == schema_heads()
    assert not upgrade_if_behind(url)  # at the head: only looked at
    command.downgrade(alembic_config(url), "-1")
    assert versions(engine) not in (None, schema_heads())
    assert upgrade_if_behind(url)
    assert versions(engine) == schema_heads()
    engine.dispose()
