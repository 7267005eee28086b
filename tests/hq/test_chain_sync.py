"""Three stations syncing to one head office through a line that loses replies, goes down and comes back, with
head office killed mid-batch and restarted, batches replayed and reordered, and the stations' clocks skewed:
afterwards head office's figures per station equal each station's own day report, to the fen, with no event
missing and none counted twice. Real PostgreSQL, a real ``station hq serve`` process, the stations' real
ledgers (SQLite) and sync workers. Run with ``-s`` to see the figures."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import Engine

from station.config import Settings
from station.core.hq_sync import HqSync
from station.hq import reports
from station.hqlink.client import HeadOffice
from station.ledger.db import make_engine, upgrade
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import business_date_of
from tests.conftest import FakeClock, until
from tests.hq.conftest import STATIONS, Server
from tests.hq.proxy import FaultProxy
from tests.ledger.test_outbox import a_day

SKEW = {"DY-0001": dt.timedelta(0), "DY-0002": dt.timedelta(minutes=-7), "DY-0003": dt.timedelta(hours=2)}


def station_ledger(tmp_path: Path, settings: Settings, code: str) -> tuple[Ledger, FakeClock]:
    url = f"sqlite:///{tmp_path / f'{code}.db'}"
    upgrade(url)
    clock = FakeClock(dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC) + SKEW[code])  # skewed clocks
    own = settings.model_copy(update={"station": settings.station.model_copy(update={"code": code})})
    ledger = Ledger(make_engine(url), own, b"k" * 32, clock=clock)
    ledger.bootstrap()
    return ledger, clock


@pytest.mark.postgres
async def test_three_stations_a_faulty_line_and_a_killed_head_office_add_up_to_the_fen(
    hq_process: Server, hq_engine: Engine, keys: dict[str, bytes], station_settings: Settings, tmp_path: Path
) -> None:
    proxy = FaultProxy(hq_process.port, seed=15)
    stations = {code: station_ledger(tmp_path, station_settings, code) for code in STATIONS}
    workers = {
        code: HqSync(
            ledger,
            HeadOffice(f"http://127.0.0.1:{proxy.port}", code, keys[code], timeout_s=2),
            batch_size=5,
            backoff_max_s=0.4,
            idle_s=0.05,
        )
        for code, (ledger, _clock) in stations.items()
    }
    proxy.cut()  # the line is down for the whole day of sales
    tasks = [asyncio.create_task(w.run()) for w in workers.values()]
    try:
        for i, (ledger, clock) in enumerate(stations.values()):
            await asyncio.to_thread(a_day, ledger, clock, 10 + 6 * i)  # 10, 16 and 22 cash sales
        for worker in workers.values():
            await worker.refresh_backlog()
        unsent_at_mend = {code: w.state.unsent for code, w in workers.items()}
        assert all(n > 20 for n in unsent_at_mend.values())
        proxy.mend()
        proxy.lose_replies, proxy.delay = 0.3, 0.01  # a third of the answers never reach the station
        await until(lambda: sum(w.state.sent_batches for w in workers.values()) >= 6, timeout=60)
        hq_process.kill()  # mid-batch: whatever transaction it had open is rolled back
        await asyncio.sleep(0.5)
        hq_process.start()  # same port: the workers come back on their own
        await until(lambda: all(w.state.unsent == 0 and w.state.line_up for w in workers.values()), timeout=120)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        proxy.close()

    # Replayed and reordered: everything a station has, sent again in shuffled batches, changes nothing.
    code, (ledger, _clock) = next(iter(stations.items()))
    every = [row.wire() for row in ledger.outbox_after(0, 10_000)]
    random.Random(3).shuffle(every)
    office = HeadOffice(hq_process.base, code, keys[code])
    replayed_duplicates = 0
    try:
        for i in range(0, len(every), 7):
            answer = await office.ingest(every[i : i + 7])
            assert answer.accepted == 0 and not answer.conflicts
            replayed_duplicates += answer.duplicates
        high, gaps = await office.high_water()
    finally:
        await office.aclose()
    assert replayed_duplicates == len(every) and high == len(every) and gaps == []

    with hq_engine.connect() as conn:
        for code, (ledger, clock) in stations.items():
            day = business_date_of(clock())
            mine = ShiftDesk(ledger).day_summary(day)
            [theirs] = [r for r in reports.day(conn, day) if r["station"] == code]
            assert theirs["sales_fen"] == mine.sales_fen and theirs["closed_sales_fen"] == mine.sales_fen
            assert theirs["cash_fen"] == mine.cash_sales_fen and theirs["card_fen"] == mine.card_sales_fen
            assert theirs["fills"] == mine.fill_count and theirs["quantity_centi"] == mine.quantity_centi
            assert theirs["agree"]
            events = len(ledger.outbox_after(0, 10_000))
            print(
                f"\n{code}: {events} events, unsent when the line came back {unsent_at_mend[code]}, "
                f"batches {workers[code].state.sent_batches}, duplicates answered {workers[code].state.duplicates}, "
                f"head office day sales {theirs['sales_fen']} fen = station {mine.sales_fen} fen"
            )
            [line] = [r for r in reports.sync(conn) if r["station"] == code]
            assert line["high_water"] == line["events"] == events and line["open_fills"] == 0
            ledger.engine.dispose()
    print(f"replies lost by the line: {proxy.lost}; replayed {len(every)} events: {replayed_duplicates} duplicates")
