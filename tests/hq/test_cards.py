"""Company cards over HTTP: holds idempotent on hold_key, offline use settled on sync, a negative card blocked
company-wide (in every station's blacklist pull)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from station.hq.cards import block_card, issue_card
from tests.hq.conftest import Server, Station, event

pytestmark = pytest.mark.postgres
CARD = "8800000001"


def test_hold_settle_release_are_idempotent_on_the_hold_key(hq_server: dict[str, Station], hq_engine: Engine) -> None:
    issue_card(hq_engine, CARD, 50_000)
    one, two = hq_server["DY-0001"], hq_server["DY-0002"]
    hold = {"hold_key": "DY-0001:hold:1", "station": "DY-0001", "amount_fen": 30_000}
    first = one.post(f"/v1/cards/{CARD}/holds", hold)
    assert first.status_code == 200
    assert first.json() == {"hold_key": "DY-0001:hold:1", "balance_fen": 50_000, "held_fen": 30_000}
    assert one.post(f"/v1/cards/{CARD}/holds", hold).json() == first.json()  # a retry holds nothing more

    # What is held cannot be spent at another station.
    other = {"hold_key": "DY-0002:hold:1", "station": "DY-0002", "amount_fen": 25_000}
    refused = two.post(f"/v1/cards/{CARD}/holds", other)
    assert (refused.status_code, refused.json()) == (409, {"refused": "insufficient"})

    # Only the station that placed a hold settles or releases it.
    foreign = two.post(f"/v1/cards/{CARD}/holds/DY-0001:hold:1/release", {})
    assert (foreign.status_code, foreign.json()) == (404, {"refused": "no_hold"})
    over = one.post(f"/v1/cards/{CARD}/holds/DY-0001:hold:1/settle", {"amount_fen": 30_001})
    assert (over.status_code, over.json()) == (409, {"refused": "over_hold"})
    settle = one.post(f"/v1/cards/{CARD}/holds/DY-0001:hold:1/settle", {"amount_fen": 18_750})
    assert settle.json() == {"hold_key": "DY-0001:hold:1", "balance_fen": 31_250, "held_fen": 0}
    assert one.post(f"/v1/cards/{CARD}/holds/DY-0001:hold:1/settle", {"amount_fen": 18_750}).json() == settle.json()
    late_release = one.post(f"/v1/cards/{CARD}/holds/DY-0001:hold:1/release", {})
    assert (late_release.status_code, late_release.json()) == (409, {"refused": "resolved"})

    assert two.post(f"/v1/cards/{CARD}/holds", other).status_code == 200
    released = two.post(f"/v1/cards/{CARD}/holds/DY-0002:hold:1/release", {})
    assert released.json() == {"hold_key": "DY-0002:hold:1", "balance_fen": 31_250, "held_fen": 0}
    assert two.post(f"/v1/cards/{CARD}/holds/DY-0002:hold:1/release", {}).json() == released.json()
    late_settle = two.post(f"/v1/cards/{CARD}/holds/DY-0002:hold:1/settle", {"amount_fen": 1})
    assert (late_settle.status_code, late_settle.json()) == (409, {"refused": "resolved"})
    unknown = one.post("/v1/cards/8899999999/holds", {**hold, "hold_key": "DY-0001:hold:2"})
    assert (unknown.status_code, unknown.json()) == (404, {"refused": "unknown"})


def test_a_card_that_went_negative_offline_is_blocked_in_every_station_s_pull(
    hq_server: dict[str, Station], hq_engine: Engine
) -> None:
    issue_card(hq_engine, CARD, 20_000, daily_limit_fen=100_000, plates=["川A12345"])
    one, two, three = hq_server["DY-0001"], hq_server["DY-0002"], hq_server["DY-0003"]
    start = three.get("/v1/stations/DY-0003/pull?since=0").json()
    assert start["blacklist"] == []
    assert start["balances"] == [{"card_no": CARD, "balance_fen": 20_000, "record_fen": 20_000}]
    assert start["card_rules"] == [{"card_no": CARD, "daily_limit_fen": 100_000, "plates": ["川A12345"]}]

    # The line was down: two stations each took 15,000 on the card.
    use_1 = event("DY-0001", 1, "card_offline_use", card_no=CARD, amount_fen=15_000, hold_key="DY-0001:off:1")
    use_2 = event("DY-0002", 1, "card_offline_use", card_no=CARD, amount_fen=15_000, hold_key="DY-0002:off:1")
    assert one.send([use_1])["accepted"] == 1
    assert one.send([use_1])["duplicates"] == 1  # settled once, however often it comes
    assert two.send([use_2])["accepted"] == 1

    pulled = three.get(f"/v1/stations/DY-0003/pull?since={start['version']}").json()
    assert pulled["blacklist"] == [{"card_no": CARD, "reason": "negative"}]
    assert pulled["balances"] == [{"card_no": CARD, "balance_fen": -10_000, "record_fen": -10_000}]
    assert pulled["high_water"] == 0  # none of DY-0003's own events at head office yet
    assert one.get("/v1/stations/DY-0001/pull?since=0").json()["high_water"] == 1
    assert pulled["version"] > start["version"]
    assert one.get("/v1/stations/DY-0001/pull?since=0").json()["blacklist"] == [{"card_no": CARD, "reason": "negative"}]
    # Nothing new since: an empty pull at the same version.
    quiet = three.get(f"/v1/stations/DY-0003/pull?since={pulled['version']}").json()
    assert quiet == {
        "version": pulled["version"],
        "high_water": 0,
        "prices": [],
        "blacklist": [],
        "card_rules": [],
        "balances": [],
    }
    hold = {"hold_key": "DY-0003:hold:1", "station": "DY-0003", "amount_fen": 100}
    blocked = three.post(f"/v1/cards/{CARD}/holds", hold)
    assert (blocked.status_code, blocked.json()) == (409, {"refused": "blocked"})


def test_an_orphaned_hold_expires_and_a_late_settle_still_debits(
    hq_engine: Engine, hq_url: str, keys: dict[str, bytes], tmp_path: Path
) -> None:
    """A station that crashed between head office's hold and its own leaves the hold; the sweep inside ``station
    hq serve`` gives it back. A station whose settle comes after that still pays what it spent, once."""
    issue_card(hq_engine, CARD, 10_000)
    server = Server(hq_url, tmp_path, extra=("--hold-expiry-s", "1"))
    server.start()
    one = Station(server.base, "DY-0001", keys["DY-0001"])
    try:
        for key in ("DY-0001:orphan", "DY-0001:late"):
            hold = {"hold_key": key, "station": "DY-0001", "amount_fen": 4_000}
            assert one.post(f"/v1/cards/{CARD}/holds", hold).status_code == 200
        deadline = time.monotonic() + 20
        while card_rows_of(hq_engine)[1] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert card_rows_of(hq_engine) == (10_000, 0, "active")  # both given back by the sweep
        late = event("DY-0001", 1, "card_hold_settle", card_no=CARD, hold_key="DY-0001:late", amount_fen=3_500)
        assert one.send([late, late])["high_water"] == 1
        assert card_rows_of(hq_engine) == (6_500, 0, "active")  # debited once, though sent twice
        with hq_engine.begin() as conn:
            states = dict(conn.execute(text("SELECT hold_key, state FROM hq_card_holds")).all())
        assert states == {"DY-0001:orphan": "expired", "DY-0001:late": "settled"}
    finally:
        one.http.close()
        server.stop()


def card_rows_of(engine: Engine) -> tuple[int, int, str]:
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT balance_fen, held_fen, status FROM hq_cards WHERE card_no = :c"), {"c": CARD}
        ).one()
    return int(row[0]), int(row[1]), str(row[2])


def test_the_daily_limit_counts_every_station_s_fills_today(hq_server: dict[str, Station], hq_engine: Engine) -> None:
    issue_card(hq_engine, CARD, 100_000, daily_limit_fen=30_000)
    one, two = hq_server["DY-0001"], hq_server["DY-0002"]
    first = {"hold_key": "DY-0001:seq:1", "station": "DY-0001", "amount_fen": 20_000}
    assert one.post(f"/v1/cards/{CARD}/holds", first).status_code == 200
    assert one.post(f"/v1/cards/{CARD}/holds/DY-0001:seq:1/settle", {"amount_fen": 18_000}).status_code == 200
    over = {"hold_key": "DY-0002:seq:1", "station": "DY-0002", "amount_fen": 12_001}  # 18,000 + 12,001 > 30,000
    refused = two.post(f"/v1/cards/{CARD}/holds", over)
    assert (refused.status_code, refused.json()) == (409, {"refused": "daily_limit"})
    within = {**over, "amount_fen": 12_000}  # what the first station spent counts, not what it held
    assert two.post(f"/v1/cards/{CARD}/holds", within).status_code == 200


def test_a_pull_that_waited_on_a_writer_carries_what_it_waited_for(
    hq_server: dict[str, Station], hq_engine: Engine
) -> None:
    """A card blocked in a transaction still open while a station pulls: the pull waits for it, and its answer
    carries the block under the version it reports (else the station would ask from past it and never see it)."""
    issue_card(hq_engine, CARD, 10_000)
    three = hq_server["DY-0003"]
    since = three.get("/v1/stations/DY-0003/pull?since=0").json()["version"]
    answers: list[dict[str, object]] = []
    with hq_engine.connect() as writer:
        tx = writer.begin()
        assert block_card(writer, CARD, "lost")  # holds the version lock until it commits
        puller = threading.Thread(
            target=lambda: answers.append(three.get(f"/v1/stations/DY-0003/pull?since={since}").json())
        )
        puller.start()
        time.sleep(0.5)
        assert not answers  # waiting for the writer, not answering around it
        tx.commit()
    puller.join(timeout=10)
    assert answers and answers[0]["blacklist"] == [{"card_no": CARD, "reason": "lost"}]
