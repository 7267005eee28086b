"""Ingest: what a station's outbox sends, stored once per (station, seq), whatever order or how often it comes.

One transaction per batch, under the station's row lock (two batches of one station queue; two stations never
wait on each other). Events past a gap are stored and the gap reported until it is filled; a replayed event
changes nothing, and one whose content differs from the stored one is a conflict, logged and not applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

from station.hq import cards, prices
from station.hq.stations import gaps_after
from station.hq.wire import Event

log = logging.getLogger(__name__)

# The kinds head office acts on as they arrive; every other kind is stored for the reports (or for later).
REDUCERS: dict[str, Callable[[Connection, str, dict[str, Any]], None]] = {
    "card_offline_use": cards.offline_use,
    "card_hold_settle": cards.hold_settled,
    "card_hold_release": cards.hold_released,
    "card_service": cards.card_service,
    "recharge": cards.credit,
    # A station's dispensers read a schedule back (or did not, or it refused it); "price_change" is only stored.
    "price_read_back": prices.confirm,
}

CARD_KINDS = frozenset({"card_offline_use", "card_hold_settle", "card_hold_release", "card_service", "recharge"})

_INSERT = text(
    """INSERT INTO hq_events (station, seq, key, kind, at, payload)
    SELECT :station, e.seq, e.key, e.kind, e.at, e.payload
    FROM jsonb_to_recordset(CAST(:events AS jsonb))
         AS e(seq bigint, key text, kind text, at timestamptz, payload jsonb)
    ON CONFLICT (station, seq) DO NOTHING RETURNING seq"""
)


class UnknownStation(Exception):
    pass


@dataclass
class IngestResult:
    high_water: int
    accepted: int = 0
    duplicates: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "high_water": self.high_water,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "gaps": [list(g) for g in self.gaps],
            "conflicts": self.conflicts,
        }


def _same(stored: Any, event: Event) -> bool:
    return bool(
        stored.key == event.key
        and stored.kind == event.kind
        and stored.at == event.at
        and stored.payload == event.payload
    )


def ingest(engine: Engine, station: str, events: list[Event]) -> IngestResult:
    import json

    # One of each seq, in order; a second copy inside the batch is a duplicate like any replay.
    unique: dict[int, Event] = {}
    repeats: list[Event] = []
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq in unique:
            repeats.append(event)
        else:
            unique[event.seq] = event
    with engine.begin() as conn:
        mark = conn.execute(
            text("SELECT high_water FROM hq_stations WHERE station = :s FOR UPDATE"), {"s": station}
        ).scalar()
        if mark is None:
            raise UnknownStation(station)
        fresh = [e for seq, e in unique.items() if seq > mark]
        inserted: set[int] = set()
        if fresh:
            rows = [
                {"seq": e.seq, "key": e.key, "kind": e.kind, "at": e.at.isoformat(), "payload": e.payload}
                for e in fresh
            ]
            inserted = set(conn.execute(_INSERT, {"station": station, "events": json.dumps(rows)}).scalars())
        result = IngestResult(high_water=int(mark), accepted=len(inserted))
        again = [e for e in unique.values() if e.seq not in inserted] + repeats
        result.duplicates = len(again)
        result.conflicts = _conflicts(conn, station, again)
        _lock_cards(conn, [unique[seq] for seq in inserted])
        for seq in sorted(inserted):
            event = unique[seq]
            reducer = REDUCERS.get(event.kind)
            if reducer is not None:
                reducer(conn, station, event.payload)
        result.high_water, result.gaps = gaps_after(conn, station, int(mark))
        if result.high_water != mark:
            conn.execute(
                text("UPDATE hq_stations SET high_water = :m WHERE station = :s"),
                {"m": result.high_water, "s": station},
            )
    return result


def _lock_cards(conn: Connection, events: list[Event]) -> None:
    """The company cards this batch moves, locked in card order: two stations' batches never wait on each other
    in a circle (and the version lock is taken after, as a hold takes it)."""
    touched = sorted(
        {e.payload["card_no"] for e in events if e.kind in CARD_KINDS and isinstance(e.payload.get("card_no"), str)}
    )
    if touched:
        conn.execute(
            text("SELECT 1 FROM hq_cards WHERE card_no = ANY(:c) ORDER BY card_no FOR UPDATE"), {"c": touched}
        ).all()


def _conflicts(conn: Connection, station: str, again: list[Event]) -> list[int]:
    if not again:
        return []
    stored = {
        row.seq: row
        for row in conn.execute(
            text("SELECT seq, key, kind, at, payload FROM hq_events WHERE station = :s AND seq = ANY(:q)"),
            {"s": station, "q": sorted({e.seq for e in again})},
        )
    }
    conflicts = sorted({e.seq for e in again if e.seq in stored and not _same(stored[e.seq], e)})
    if conflicts:
        log.warning(
            "station %s sent %d events that differ from the stored ones: seqs %s",
            station,
            len(conflicts),
            conflicts[:20],
        )
    return conflicts
