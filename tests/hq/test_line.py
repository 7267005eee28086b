"""A station pushing through a bad line (a loopback proxy): replies lost after head office did the work, the line
cut for a while, every chunk delayed. The station resumes from head office's high-water mark each time; in the
end every event is stored once and head office's day equals what the station sent, to the fen."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from station.hq import reports
from tests.hq.conftest import Server, Station, event
from tests.hq.proxy import FaultProxy
from tests.hq.test_reports import DAY

pytestmark = pytest.mark.postgres


def a_station_day(code: str) -> list[dict[str, object]]:
    fills = [
        event(code, n, "sale", shift_id=1 + (n > 600), amount_fen=3000 + n * 7 % 1000, quantity_centi=700, mode="cash")
        for n in range(1, 1201)
    ]
    closes = [
        event(
            code,
            1200 + s,
            "shift_close",
            shift_id=s,
            business_date=DAY.isoformat(),
            fill_count=600,
            sales_fen=sum(int(f["payload"]["amount_fen"]) for f in fills[(s - 1) * 600 : s * 600]),
        )
        for s in (1, 2)
    ]
    return fills + closes


def push_until_done(station: Station, events: list[dict[str, object]], proxy: FaultProxy) -> dict[str, int]:
    """The sync worker's loop in small: ask the mark, send the next batch from it, on any failure ask again."""
    seen = {"batches": 0, "failures": 0, "duplicates": 0}
    mark = None
    for attempt in range(400):
        if attempt == 3:
            proxy.cut()  # the line goes down mid-run...
        if attempt == 9:
            proxy.mend()  # ...and comes back
        try:
            if mark is None:
                answer = station.get(f"/v1/stations/{station.code}/high-water")
                answer.raise_for_status()
                mark = int(answer.json()["high_water"])
            if mark >= len(events):
                return seen
            seen["batches"] += 1
            body = station.send(events[max(0, mark - 30) : mark + 100])  # overlapping, as a resend after a doubt
            seen["duplicates"] += body["duplicates"]
            mark = int(body["high_water"])
        except (httpx.HTTPError, AssertionError):
            seen["failures"] += 1
            mark = None
    raise AssertionError(f"never drained: {seen}")


def test_a_day_pushed_through_a_line_that_loses_replies_and_goes_down_arrives_once(
    hq_process: Server, hq_engine: Engine, keys: dict[str, bytes]
) -> None:
    proxy = FaultProxy(hq_process.port)
    proxy.lose_replies, proxy.delay = 0.3, 0.002
    station = Station(f"http://127.0.0.1:{proxy.port}", "DY-0003", keys["DY-0003"])
    station.http.close()
    # A connection per request, as a reply lost on the line leaves the station no connection to reuse.
    station.http = httpx.Client(
        base_url=station.http.base_url, timeout=5, limits=httpx.Limits(max_keepalive_connections=0)
    )
    try:
        events = a_station_day("DY-0003")
        seen = push_until_done(station, events, proxy)
    finally:
        station.http.close()
        proxy.close()
    assert seen["failures"] > 0 and proxy.lost > 0 and seen["duplicates"] > 0, (seen, proxy.lost)
    with hq_engine.connect() as conn:
        (day,) = reports.day(conn, DAY)
    sent = [e["payload"] for e in events if e["kind"] == "sale"]
    assert day["station"] == "DY-0003" and day["fills"] == 1200 and day["agree"]
    assert day["sales_fen"] == sum(int(p["amount_fen"]) for p in sent)
