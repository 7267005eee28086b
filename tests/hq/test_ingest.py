"""Ingest over HTTP to a real uvicorn: idempotent on (station, seq), gaps reported then filled, signatures."""

from __future__ import annotations

import json
import random
import socket

import pytest
from sqlalchemy import Engine, text

from station.hq.signing import sign
from tests.hq.conftest import Server, Station, event

pytestmark = pytest.mark.postgres


def sale(code: str, seq: int, amount: int = 2000) -> dict[str, object]:
    return event(code, seq, "sale", shift_id=1, amount_fen=amount, quantity_centi=500, mode="cash", card_no=None)


def stored(engine: Engine, code: str) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq FROM hq_events WHERE station = :s ORDER BY seq"), {"s": code})
        return [int(r[0]) for r in rows]


def test_a_replayed_and_reordered_batch_changes_nothing_and_a_gap_is_reported_until_filled(
    hq_server: dict[str, Station], hq_engine: Engine
) -> None:
    one = hq_server["DY-0001"]
    events = [sale("DY-0001", n, 1000 + n) for n in range(1, 21)]
    first = one.send(events[:5] + events[10:])  # 6..10 lost on the way
    assert first == {"high_water": 5, "accepted": 15, "duplicates": 0, "gaps": [[6, 10]], "conflicts": []}
    assert one.get("/v1/stations/DY-0001/high-water").json() == {"high_water": 5, "gaps": [[6, 10]]}

    shuffled = events[:]
    random.Random(15).shuffle(shuffled)
    refill = one.send(shuffled)  # the whole day again, in another order
    assert refill == {"high_water": 20, "accepted": 5, "duplicates": 15, "gaps": [], "conflicts": []}
    again = one.send(list(reversed(events)) + events[:3])
    assert again == {"high_water": 20, "accepted": 0, "duplicates": 23, "gaps": [], "conflicts": []}
    assert stored(hq_engine, "DY-0001") == list(range(1, 21))
    with hq_engine.connect() as conn:
        total = conn.execute(text("SELECT sum((payload->>'amount_fen')::bigint) FROM hq_events")).scalar()
    assert total == sum(1000 + n for n in range(1, 21))

    # A replay whose content differs is a conflict: reported, not applied.
    changed = sale("DY-0001", 7, amount=1)
    answer = one.send([changed, sale("DY-0001", 21)])
    assert answer["conflicts"] == [7] and answer["accepted"] == 1 and answer["high_water"] == 21
    with hq_engine.connect() as conn:
        kept = conn.execute(text("SELECT payload->>'amount_fen' FROM hq_events WHERE seq = 7")).scalar()
    assert kept == "1007"
    # Another station's numbers are its own.
    assert hq_server["DY-0002"].send([sale("DY-0002", 1)])["high_water"] == 1


def test_a_bad_signature_an_unknown_station_or_another_station_s_name_is_refused(
    hq_server: dict[str, Station], hq_engine: Engine
) -> None:
    one = hq_server["DY-0001"]
    body = {"station": "DY-0001", "events": [sale("DY-0001", 1)]}
    assert one.post("/v1/ingest", body, key=b"not-the-key-of-this-station").status_code == 401
    assert one.post("/v1/ingest", body, code="DY-9999").status_code == 401
    raw = json.dumps(body).encode()
    unsigned = one.http.post("/v1/ingest", content=raw, headers={"X-Station": "DY-0001"})
    assert unsigned.status_code == 401
    tampered = one.http.post(
        "/v1/ingest",
        content=raw.replace(b"2000", b"2001"),
        headers={"X-Station": "DY-0001", "X-Signature": sign(one.key, raw)},
    )
    assert tampered.status_code == 401
    # DY-0002 signing with its own key cannot send in DY-0001's name nor read its mark.
    two = hq_server["DY-0002"]
    assert two.post("/v1/ingest", body).status_code == 403
    assert two.get("/v1/stations/DY-0001/high-water").status_code == 403
    bad_get = one.http.get(
        "/v1/stations/DY-0001/high-water", headers={"X-Station": "DY-0001", "X-Signature": sign(one.key, b"/other")}
    )
    assert bad_get.status_code == 401
    assert stored(hq_engine, "DY-0001") == []
    assert one.send([sale("DY-0001", 1)])["accepted"] == 1


def test_a_price_schedule_posted_by_head_office_is_pulled_by_its_stations_only(hq_server: dict[str, Station]) -> None:
    schedule = {
        "stations": ["DY-0001"],
        "effective_at": "2026-11-22T00:00:00+00:00",
        "items": [{"product": "CNG", "level": 0, "price_fen": 398}],
    }
    # A station's key does not sign head office's orders, whatever name it gives.
    assert hq_server["DY-0001"].post("/v1/prices", schedule).status_code == 401
    assert hq_server["DY-0001"].post("/v1/prices", schedule, code="HQ").status_code == 401
    pushed = hq_server["HQ"].post("/v1/prices", schedule)
    assert pushed.status_code == 200
    version = pushed.json()["schedule_version"]
    prices = hq_server["DY-0001"].get("/v1/stations/DY-0001/pull?since=0").json()["prices"]
    assert [(p["schedule_version"], p["items"][0]["price_fen"]) for p in prices] == [(version, 398)]
    assert hq_server["DY-0002"].get("/v1/stations/DY-0002/pull?since=0").json()["prices"] == []
    unknown = hq_server["HQ"].post("/v1/prices", {**schedule, "stations": ["DY-0404"]})
    assert unknown.status_code == 422
    garbage = hq_server["DY-0001"].http.post(
        "/v1/ingest", content=b"{not json", headers={"X-Station": "DY-0001", "X-Signature": "签名".encode()}
    )
    assert garbage.status_code == 401
    body = b"{not json"
    invalid = hq_server["DY-0001"].http.post(
        "/v1/ingest",
        content=body,
        headers={"X-Station": "DY-0001", "X-Signature": sign(hq_server["DY-0001"].key, body)},
    )
    assert invalid.status_code == 422


def test_a_body_past_the_limit_is_refused_unread(hq_process: Server) -> None:
    with socket.create_connection(("127.0.0.1", hq_process.port), timeout=10) as line:
        line.sendall(
            b"POST /v1/ingest HTTP/1.1\r\nHost: hq\r\nX-Station: DY-0001\r\nX-Signature: 00\r\n"
            b"Content-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{"
        )
        reply = line.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")
