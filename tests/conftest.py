"""Shared fixtures: every ledger test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from station.config import Settings, load_settings
from station.ledger.db import make_engine, upgrade
from station.ledger.services import Ledger
from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import SimulatedForecourt, start_forecourt

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", deadline=None, max_examples=20_000, stateful_step_count=60, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PG_URL = os.environ.get("STATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def _pg_unreachable() -> str | None:
    """None when PostgreSQL answers, else the reason (checked once per worker)."""
    if "reason" not in _pg_state:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means "not reachable here"
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}"[:300]
    return _pg_state["reason"]


def require_postgres() -> None:
    reason = _pg_unreachable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason=reason)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL, dropped afterwards; the URL pins search_path to it."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        yield request.getfixturevalue("pg_schema_url")


@pytest.fixture
def station_settings() -> Settings:
    return load_settings(Path(__file__).resolve().parent.parent / "config" / "station.toml")


class FakeClock:
    """An injectable clock: tests move time by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(db_url: str, station_settings: Settings, clock: FakeClock) -> Iterator[Ledger]:
    upgrade(db_url)
    engine = make_engine(db_url)
    book = Ledger(engine, station_settings, b"k" * 32, clock=clock)
    book.bootstrap()
    yield book
    engine.dispose()


WAIT = 20.0


@pytest.fixture
async def forecourt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> AsyncIterator[SimulatedForecourt]:
    """The whole station on simulators: SQLite ledger with sample data, dispensers, card reader, printer.

    A working station: its first shift is open, as the demo opens it (tests marked ``no_shift`` start without).
    """
    from station.simrig import open_first_shift

    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)
    rig = await start_forecourt(runtime, tmp_path / "rig", speed=40.0, poll_interval=0.03, reader_poll=0.05)
    try:
        assert await rig.bus.wait_connected(WAIT)
        if request.node.get_closest_marker("no_shift") is None:
            assert await open_first_shift(rig.core) is not None
        yield rig
    finally:
        await rig.stop()
        runtime.close()


async def until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    async def spin() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(spin(), timeout)
