from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import SimulatedForecourt, start_forecourt

WAIT = 20.0


@pytest.fixture
async def forecourt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SimulatedForecourt]:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)
    rig = await start_forecourt(runtime, tmp_path / "rig", speed=40.0, poll_interval=0.03, reader_poll=0.05)
    try:
        assert await rig.bus.wait_connected(WAIT)
        yield rig
    finally:
        await rig.stop()
        runtime.close()


async def until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    async def spin() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(spin(), timeout)
