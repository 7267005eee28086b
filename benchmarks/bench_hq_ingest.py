"""Head office ingest (issue 15): a day of N stations × F fills replayed into head office, fills/s and the drain.

Run: .venv/bin/python benchmarks/bench_hq_ingest.py [--stations 500] [--fills 5000] [--batch 500] [--workers 4]
     [--http-stations 50] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each station comes back with a whole day's backlog (F sales, then its three shift closes) and pushes it in
batches. Two paths, on a fresh database ``hq_bench`` (dropped and made again):

- direct: ``station.hq.ingest.ingest`` called by ``--workers`` threads, each draining its share of stations;
- http: a real ``station hq serve`` (uvicorn) on a loopback port, the same number of client threads posting
  signed batches of ``--http-stations`` stations (HTTP costs more per event: JSON parsed by the service, a
  request per batch).

Printed: events stored, fills/s, the backlog's drain time, the drain time extrapolated to the whole chain for
the HTTP path, and a replayed batch that must change nothing. The default run takes a few minutes. The
database is dropped afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from station.hq.db import make_engine, upgrade
from station.hq.ingest import ingest
from station.hq.signing import sign
from station.hq.stations import add_station
from station.hq.wire import Event

DAY = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)
SHIFTS = 3


def code_of(i: int) -> str:
    return f"DY-{i:04d}"


def day_events(code: str, fills: int) -> Iterator[dict[str, Any]]:
    """A station's day as its outbox numbers it: sales, and a shift close after each third of them."""
    seq = 0
    per_shift = -(-fills // SHIFTS)
    for shift in range(SHIFTS):
        n = min(per_shift, fills - shift * per_shift)
        total = 0
        for i in range(n):
            seq += 1
            amount = 4000 + (seq * 37) % 9000
            total += amount
            at = DAY + dt.timedelta(seconds=seq * 15)
            payload = {
                "receipt_no": f"{code}-{seq:06d}",
                "shift_id": shift + 1,
                "attendant": f"A{i % 4 + 1}",
                "dispenser": 1 + i % 4,
                "nozzle": 1 + i % 2,
                "quantity_centi": amount * 100 // 398,
                "price_fen": 398,
                "amount_fen": amount,
                "mode": ("cash", "card", "mobile")[i % 3],
                "card_no": None,
                "provider": None,
            }
            yield {"seq": seq, "key": f"{code}:sale:{seq}", "kind": "sale", "at": at.isoformat(), "payload": payload}
        seq += 1
        close = {"shift_id": shift + 1, "business_date": DAY.date().isoformat(), "fill_count": n, "sales_fen": total}
        at = DAY + dt.timedelta(seconds=seq * 15)
        yield {
            "seq": seq,
            "key": f"{code}:shift_close:{shift + 1}",
            "kind": "shift_close",
            "at": at.isoformat(),
            "payload": close,
        }


def batches(code: str, fills: int, size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for event in day_events(code, fills):
        batch.append(event)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fresh_database(pg: str) -> str:
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS hq_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE hq_bench"))
    admin.dispose()
    url = make_url(pg).set(database="hq_bench").render_as_string(hide_password=False)
    upgrade(url)
    return url


def register(url: str, stations: list[str], keydir: Path) -> dict[str, bytes]:
    engine = make_engine(url, pool_size=1)
    keys = {}
    for code in stations:
        key = f"bench-key-{code}-{'x' * 16}".encode()
        (keydir / f"{code}.key").write_bytes(key)
        add_station(engine, code, keydir / f"{code}.key")
        keys[code] = key
    engine.dispose()
    return keys


def drain(stations: list[str], workers: int, push: Any) -> float:
    """Each worker drains whole stations from a shared queue; the seconds until the last batch is stored."""
    todo: queue.Queue[str] = queue.Queue()
    for code in stations:
        todo.put(code)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while True:
                try:
                    code = todo.get_nowait()
                except queue.Empty:
                    return
                push(code)
        except BaseException as exc:
            errors.append(exc)

    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


def count(url: str, stations: list[str]) -> int:
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM hq_events WHERE station = ANY(:s)"), {"s": stations}).scalar_one()
    engine.dispose()
    return int(n)


def run_direct(url: str, stations: list[str], fills: int, size: int, workers: int) -> tuple[float, int]:
    engine = make_engine(url, pool_size=workers, max_overflow=0)

    def push(code: str) -> None:
        for batch in batches(code, fills, size):
            result = ingest(engine, code, [Event.model_validate(e) for e in batch])
            assert result.accepted == len(batch) and not result.gaps, result

    seconds = drain(stations, workers, push)
    # A replayed batch changes nothing.
    first = next(batches(stations[0], fills, size))
    again = ingest(engine, stations[0], [Event.model_validate(e) for e in first])
    assert again.accepted == 0 and again.duplicates == len(first) and not again.conflicts, again
    engine.dispose()
    return seconds, count(url, stations)


def run_http(
    url: str, stations: list[str], keys: dict[str, bytes], fills: int, size: int, workers: int
) -> tuple[float, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "station.cli", "hq", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        local = threading.local()

        def post(code: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
            if not hasattr(local, "client"):
                local.client = httpx.Client(base_url=base, timeout=120)
            raw = json.dumps({"station": code, "events": batch}).encode()
            headers = {"X-Station": code, "X-Signature": sign(keys[code], raw), "Content-Type": "application/json"}
            answer = local.client.post("/v1/ingest", content=raw, headers=headers)
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        def push(code: str) -> None:
            for batch in batches(code, fills, size):
                body = post(code, batch)
                assert body["accepted"] == len(batch) and not body["gaps"], body

        seconds = drain(stations, workers, push)
        first = next(batches(stations[0], fills, size))
        again = post(stations[0], first)
        assert again["accepted"] == 0 and again["duplicates"] == len(first), again
    finally:
        server.terminate()
        server.wait(timeout=20)
    return seconds, count(url, stations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--fills", type=int, default=5000, help="fills per station in the day")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4, help="threads pushing at once (stations in parallel)")
    parser.add_argument("--http-stations", type=int, default=50, help="stations replayed over HTTP (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the database hq_bench afterwards")
    parser.add_argument(
        "--pg", default=os.environ.get("STATION_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    url = fresh_database(args.pg)
    everyone = [code_of(i) for i in range(1, args.stations + args.http_stations + 1)]
    with tempfile.TemporaryDirectory() as keydir:
        keys = register(url, everyone, Path(keydir))
        direct = everyone[: args.stations]
        per_station = args.fills + SHIFTS
        print(f"head office ingest: {args.stations} stations × {args.fills} fills (+{SHIFTS} shift closes), ", end="")
        print(f"batches of {args.batch}, {args.workers} workers, PostgreSQL {make_url(url).host}")
        if direct:
            seconds, stored = run_direct(url, direct, args.fills, args.batch, args.workers)
            assert stored == len(direct) * per_station, stored
            rate = len(direct) * args.fills / seconds
            print(f"| direct ingest() | {stored:,} events | {seconds:.1f} s drain | {rate:,.0f} fills/s |")
        if args.http_stations:
            http = everyone[args.stations :]
            seconds, stored = run_http(url, http, keys, args.fills, args.batch, args.workers)
            assert stored == len(http) * per_station, stored
            rate = len(http) * args.fills / seconds
            chain = max(args.stations, 1) * args.fills / rate
            print(
                f"| HTTP uvicorn | {stored:,} events ({len(http)} stations) | {seconds:.1f} s drain "
                f"| {rate:,.0f} fills/s | {max(args.stations, 1)} stations' day would drain in {chain / 60:.1f} min |"
            )
    print("replayed batch: 0 accepted, all duplicates, no conflicts (both paths)")
    if args.keep:
        kept = make_url(url).render_as_string(hide_password=True)
        print(f"kept: {kept} (try: station hq report day --date {DAY.date()} --db {kept})")
        return
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS hq_bench WITH (FORCE)"))
    admin.dispose()


if __name__ == "__main__":
    main()
