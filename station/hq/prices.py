"""Price schedules pushed to chosen stations, their read-back confirmations, and what a station pulls."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Engine, text

from station.hq.db import current_version, next_version


def push_schedule(engine: Engine, stations: list[str], effective_at: dt.datetime, items: list[dict[str, Any]]) -> int:
    """A schedule addressed to ``stations``; its number (the stations confirm it by that number)."""
    with engine.begin() as conn:
        known = {
            str(s)
            for s in conn.execute(
                text("SELECT station FROM hq_stations WHERE station = ANY(:s)"), {"s": stations}
            ).scalars()
        }
        unknown = sorted(set(stations) - known)
        if unknown or not stations:
            raise ValueError(f"unknown stations: {', '.join(unknown)}" if unknown else "no stations")
        schedule = int(
            conn.execute(text("SELECT coalesce(max(schedule_version), 0) + 1 FROM hq_price_schedules")).one()[0]
        )
        conn.execute(
            text(
                """INSERT INTO hq_price_schedules (schedule_version, effective_at, items)
                VALUES (:n, :e, CAST(:i AS jsonb))"""
            ),
            {"n": schedule, "e": effective_at, "i": json.dumps(items)},
        )
        version = next_version(conn)
        for station in sorted(known):
            conn.execute(
                text("INSERT INTO hq_price_targets (station, schedule_version, version) VALUES (:s, :n, :v)"),
                {"s": station, "n": schedule, "v": version},
            )
        return schedule


def confirm(conn: Connection, station: str, payload: dict[str, Any]) -> None:
    """A station's ``price_read_back`` event: confirmed when its dispensers read the schedule back (an event
    saying they did not, or that the station refused the schedule, is stored and shown by the report)."""
    schedule = payload.get("schedule_version")
    if isinstance(schedule, int) and payload.get("read_back") is True:
        conn.execute(
            text(
                """UPDATE hq_price_targets SET confirmed_at = coalesce(confirmed_at, now())
                WHERE station = :s AND schedule_version = :n"""
            ),
            {"s": station, "n": schedule},
        )


def confirmations(conn: Connection) -> list[dict[str, Any]]:
    """Each schedule per station: when confirmed, and the station's last word on it (``state``: applied and not
    read back yet, refused, superseded; ``reason``), from its latest ``price_read_back`` event."""
    rows = conn.execute(
        text(
            """SELECT t.schedule_version, t.station, t.confirmed_at,
                coalesce(last.payload->>'state', '') AS state, coalesce(last.payload->>'reason', '') AS reason
            FROM hq_price_targets t
            LEFT JOIN LATERAL (
                SELECT e.payload FROM hq_events e
                WHERE e.station = t.station AND e.kind = 'price_read_back'
                  AND e.payload->>'schedule_version' = t.schedule_version::text
                ORDER BY e.seq DESC LIMIT 1
            ) last ON true
            ORDER BY t.schedule_version, t.station"""
        )
    ).mappings()
    return [dict(r) for r in rows]


def pull(conn: Connection, station: str, since: int) -> dict[str, Any]:
    """Everything whose version is past ``since`` for this station (the station keeps ``version`` for next time)."""
    version = current_version(conn)
    prices = [
        {"schedule_version": r.schedule_version, "effective_at": r.effective_at.isoformat(), "items": r.items}
        for r in conn.execute(
            text(
                """SELECT s.schedule_version, s.effective_at, s.items FROM hq_price_targets t
                JOIN hq_price_schedules s USING (schedule_version)
                WHERE t.station = :st AND t.version > :since AND t.version <= :v ORDER BY s.schedule_version"""
            ),
            {"st": station, "since": since, "v": version},
        )
    ]
    cards = conn.execute(
        text(
            """SELECT card_no, balance_fen, balance_fen - held_fen AS available, status, reason, daily_limit_fen,
            plates FROM hq_cards WHERE version > :since AND version <= :v ORDER BY card_no"""
        ),
        {"since": since, "v": version},
    ).all()
    high_water = conn.execute(text("SELECT high_water FROM hq_stations WHERE station = :s"), {"s": station}).scalar()
    return {
        "version": version,
        "high_water": int(high_water or 0),  # this station's events the balances below include
        "prices": prices,
        "blacklist": [{"card_no": c.card_no, "reason": c.reason or "blocked"} for c in cards if c.status != "active"],
        "card_rules": [
            {"card_no": c.card_no, "daily_limit_fen": c.daily_limit_fen, "plates": c.plates}
            for c in cards
            if c.daily_limit_fen is not None or c.plates
        ],
        "balances": [
            {"card_no": c.card_no, "balance_fen": int(c.available), "record_fen": int(c.balance_fen)} for c in cards
        ],
    }
