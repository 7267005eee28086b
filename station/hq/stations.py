"""Stations registered with the head office, their keys, and the high-water mark of what they sent."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from station.hq.signing import read_key

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


class StationError(ValueError):
    """A station code or key file the head office cannot take; the message is its catalogue key."""


RESERVED = frozenset({"HQ"})  # the head office's own admin requests sign as HQ


def check_code(code: str) -> str:
    if not CODE.match(code) or code in RESERVED:
        raise StationError("hq.err.bad_code")
    return code


def add_station(engine: Engine, code: str, key_file: str | Path) -> bool:
    """Register (or re-key) a station; True when it is new. The key stays in its file, never in the database."""
    check_code(code)
    path = Path(key_file).resolve()
    try:
        read_key(path)
    except (OSError, ValueError) as exc:
        raise StationError("hq.err.bad_key_file") from exc
    with engine.begin() as conn:
        params = {"s": code, "f": str(path)}
        if conn.execute(text("UPDATE hq_stations SET key_file = :f WHERE station = :s"), params).rowcount:
            return False
        conn.execute(text("INSERT INTO hq_stations (station, key_file) VALUES (:s, :f)"), params)
    return True


class KeyRing:
    """Station keys, read from their files on first use and kept; an unknown station has none."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._keys: dict[str, bytes] = {}

    def key(self, code: str) -> bytes | None:
        if code in self._keys:
            return self._keys[code]
        if not CODE.match(code):
            return None
        with self._engine.connect() as conn:
            path = conn.execute(text("SELECT key_file FROM hq_stations WHERE station = :s"), {"s": code}).scalar()
        if path is None:
            return None
        try:
            key = read_key(path)
        except (OSError, ValueError):
            return None
        self._keys[code] = key
        return key


def list_stations(conn: Connection) -> list[str]:
    return [str(s) for s in conn.execute(text("SELECT station FROM hq_stations ORDER BY station")).scalars()]


def gaps_after(conn: Connection, station: str, high_water: int) -> tuple[int, list[tuple[int, int]]]:
    """The new high-water mark from ``high_water`` on, and the missing ranges between it and the last seq stored.

    Reads only what lies past the mark (nothing, once a station is caught up)."""
    rows = conn.execute(
        text(
            """SELECT seq, lead(seq) OVER (ORDER BY seq) AS nxt FROM hq_events
            WHERE station = :s AND seq > :hw ORDER BY seq"""
        ),
        {"s": station, "hw": high_water},
    ).all()
    if not rows:
        return high_water, []
    gaps: list[tuple[int, int]] = []
    if rows[0].seq > high_water + 1:
        gaps.append((high_water + 1, rows[0].seq - 1))
    for row in rows:
        if row.nxt is not None and row.nxt > row.seq + 1:
            gaps.append((row.seq + 1, row.nxt - 1))
    new_mark = gaps[0][0] - 1 if gaps else rows[-1].seq
    return int(new_mark), gaps


def high_water(conn: Connection, station: str) -> tuple[int, list[tuple[int, int]]] | None:
    mark = conn.execute(text("SELECT high_water FROM hq_stations WHERE station = :s"), {"s": station}).scalar()
    if mark is None:
        return None
    return gaps_after(conn, station, int(mark))
