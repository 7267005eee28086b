"""Head office under faults: killed mid-batch and restarted, batches of one station racing, a card held at two
stations at once. Whatever happens, every event is stored once and a card never holds more than it has."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine, text

from station.hq.cards import HoldRefused, issue_card, place_hold
from station.hq.ingest import ingest
from station.hq.wire import Event
from tests.hq.conftest import Server, Station, event

pytestmark = pytest.mark.postgres


def sales(code: str, first: int, last: int) -> list[dict[str, object]]:
    return [
        event(code, n, "sale", shift_id=1, amount_fen=1000 + n % 97, quantity_centi=300, mode="cash")
        for n in range(first, last + 1)
    ]


def totals(engine: Engine, code: str) -> tuple[int, int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                """SELECT count(*), count(DISTINCT seq), coalesce(sum((payload->>'amount_fen')::bigint), 0)
                FROM hq_events WHERE station = :s"""
            ),
            {"s": code},
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def test_head_office_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    hq_process: Server, hq_server: dict[str, Station], hq_engine: Engine
) -> None:
    one = hq_server["DY-0001"]
    day = sales("DY-0001", 1, 6000)
    assert one.send(day[:1000])["high_water"] == 1000
    # A big batch in flight when the process is killed: either it committed whole or not at all.
    outcome: list[object] = []

    def push() -> None:
        try:
            outcome.append(one.send(day[1000:6000]))
        except (httpx.HTTPError, AssertionError) as exc:
            outcome.append(exc)

    sender = threading.Thread(target=push)
    sender.start()
    threading.Event().wait(0.15)
    hq_process.kill()
    sender.join(30)
    count, distinct, _ = totals(hq_engine, "DY-0001")
    assert count == distinct and count in (1000, 6000)

    hq_process.start()
    one.http.close()
    one.http = httpx.Client(base_url=hq_process.base, timeout=30)
    mark = one.get("/v1/stations/DY-0001/high-water").json()
    assert mark == {"high_water": count, "gaps": []}
    again = one.send(day[mark["high_water"] - 500 : 6000])  # resumes from the mark, overlapping a little
    assert again["high_water"] == 6000 and again["accepted"] == 6000 - count and again["duplicates"] == 500
    assert totals(hq_engine, "DY-0001") == (6000, 6000, sum(1000 + n % 97 for n in range(1, 6001)))


def test_overlapping_batches_of_one_station_racing_store_each_event_once(hq_engine: Engine) -> None:
    day = [Event.model_validate(e) for e in sales("DY-0002", 1, 2000)]
    windows = [day[i : i + 600] for i in range(0, 2000, 200)]  # each overlaps the next by 400

    def push(batch: list[Event]) -> tuple[int, int]:
        result = ingest(hq_engine, "DY-0002", batch)
        assert not result.conflicts
        return result.accepted, result.duplicates

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(push, windows + windows[::-1]))
    assert sum(a for a, _ in results) == 2000
    assert sum(a + d for a, d in results) == sum(len(w) for w in windows) * 2
    assert totals(hq_engine, "DY-0002")[:2] == (2000, 2000)
    assert ingest(hq_engine, "DY-0002", day[:1]).high_water == 2000


def test_a_card_held_at_two_stations_at_once_never_holds_more_than_its_balance(hq_engine: Engine) -> None:
    issue_card(hq_engine, "8800000007", 30_000)

    def hold(i: int) -> bool:
        station = ("DY-0001", "DY-0002")[i % 2]
        try:
            place_hold(hq_engine, "8800000007", f"{station}:hold:{i}", station, 10_000)
        except HoldRefused as exc:
            assert exc.reason == "insufficient"
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        placed = list(pool.map(hold, range(8)))
    assert sum(placed) == 3
    with hq_engine.connect() as conn:
        row = conn.execute(text("SELECT balance_fen, held_fen FROM hq_cards WHERE card_no = '8800000007'")).one()
        holds = conn.execute(text("SELECT count(*), sum(amount_fen) FROM hq_card_holds")).one()
    assert tuple(row) == (30_000, 30_000)
    assert tuple(holds) == (3, 30_000)


def test_offline_uses_of_two_cards_synced_by_two_stations_in_opposite_orders_settle_without_deadlock(
    hq_engine: Engine,
) -> None:
    issue_card(hq_engine, "8800000008", 1_000_000)
    issue_card(hq_engine, "8800000009", 1_000_000)

    def batch(code: str, cards: tuple[str, str], round_: int) -> list[Event]:
        return [
            Event.model_validate(
                event(
                    code,
                    round_ * 2 + i + 1,
                    "card_offline_use",
                    card_no=c,
                    amount_fen=100,
                    hold_key=f"{code}:off:{round_}:{i}",
                )
            )
            for i, c in enumerate(cards)
        ]

    def sync(args: tuple[str, tuple[str, str]]) -> None:
        code, cards = args
        for round_ in range(15):
            assert ingest(hq_engine, code, batch(code, cards, round_)).accepted == 2

    jobs = [("DY-0001", ("8800000008", "8800000009")), ("DY-0002", ("8800000009", "8800000008"))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(sync, jobs))
    with hq_engine.connect() as conn:
        balances = conn.execute(text("SELECT balance_fen FROM hq_cards ORDER BY card_no")).scalars().all()
    assert balances == [1_000_000 - 30 * 100, 1_000_000 - 30 * 100]
