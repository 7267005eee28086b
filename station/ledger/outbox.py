"""The outbox: what the station tells head office (docs/protocols/hq_sync.md), written in the same transaction as
the business event it reports, so an event is sent if and only if it happened.

Numbered per station 1, 2, 3… without a gap: the next number is a counter row taken under the transaction's
write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's row lock), so a rolled-back transaction takes its
numbers back with it. The key carries the station's code, so no two stations' events are ever confused.

Kinds and payloads (money in fen, quantities in centi-units): ``sale`` (each settled fill: cash, card,
internal card, mobile), ``refund`` (a mobile sale given back), ``recharge``, ``drop``, ``shift_close`` (the
reconciliation's totals), ``day_close``, ``price_change``, ``price_read_back`` (head office's schedule read back
from the dispensers, or not, or refused: ``hq_prices.py``), ``unloading``, and ``audit`` (every link of the audit
chain: card services, overrides, invoices, complaints… whatever the station audits, head office hears of).
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Pool, func, insert, select, update
from sqlalchemy.orm import Session

from station.ledger.models import StationState
from station.ledger.models_outbox import OutboxEvent
from station.ledger.sql import DriverSQL, fetch, run, table

STATION_INFO = "station_code"  # session.info: the code that prefixes every key
_COUNTER = "outbox_seq"
_SENT = "outbox_sent"
_COUNT = DriverSQL(
    "UPDATE station_state SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR)"
    " WHERE key = 'outbox_seq' RETURNING value"
)  # the highest seq head office has confirmed (its high-water mark), for the backlog


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    key: str
    kind: str
    at: dt.datetime
    payload: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        """The event as the contract sends it."""
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=dt.UTC)
        return {
            "seq": self.seq,
            "key": self.key,
            "kind": self.kind,
            "at": at.astimezone(dt.UTC).isoformat(),
            "payload": self.payload,
        }


@dataclass(frozen=True)
class Backlog:
    unsent: int
    oldest_at: dt.datetime | None  # the oldest event head office does not have yet


_POOL_CODES: weakref.WeakKeyDictionary[Pool, str] = weakref.WeakKeyDictionary()


def register_station(engine: Engine, code: str) -> None:
    """Sessions not made by the ledger (a migration's, a test's) still number events under the right code."""
    _POOL_CODES[engine.pool] = code


def station_code(session: Session) -> str:
    code = session.info.get(STATION_INFO)
    if code is None:
        bind = session.get_bind()
        code = _POOL_CODES.get(bind.engine.pool if isinstance(bind, Connection) else bind.pool)
    if not isinstance(code, str) or not code:
        raise RuntimeError("the station code is not configured on this session")
    return code


def emit(session: Session, kind: str, local_id: str | int, payload: dict[str, Any], at: dt.datetime) -> int:
    """One event in the caller's transaction; its number."""
    # One statement moves the counter and reads it back (the row stays locked to the end of the transaction).
    counted = fetch(session, _COUNT)
    if counted:
        seq = int(counted[0][0])
    else:
        seq = 1
        run(session, insert(table(StationState)), {"key": _COUNTER, "value": "1"})
    run(
        session,
        insert(table(OutboxEvent)),
        {
            "seq": seq,
            "key": f"{station_code(session)}:{kind}:{local_id}"[:96],
            "kind": kind,
            "at": at,
            "payload": json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str),
        },
    )
    return seq


def events_after(session: Session, seq: int, limit: int) -> list[OutboxRow]:
    rows = session.execute(
        select(OutboxEvent).where(OutboxEvent.seq > seq).order_by(OutboxEvent.seq).limit(limit)
    ).scalars()
    return [OutboxRow(r.seq, r.key, r.kind, r.at, json.loads(r.payload)) for r in rows]


def events_in(session: Session, seqs: list[int]) -> list[OutboxRow]:
    rows = session.execute(select(OutboxEvent).where(OutboxEvent.seq.in_(seqs)).order_by(OutboxEvent.seq)).scalars()
    return [OutboxRow(r.seq, r.key, r.kind, r.at, json.loads(r.payload)) for r in rows]


def sent_mark(session: Session) -> int:
    value = session.execute(select(StationState.value).where(StationState.key == _SENT)).scalar_one_or_none()
    return int(value) if value is not None else 0


def set_sent_mark(session: Session, high_water: int) -> None:
    """Head office's answer, kept so the backlog shows without asking it (never moved back)."""
    state = table(StationState)
    current = session.execute(select(state.c.value).where(state.c.key == _SENT).with_for_update()).scalar_one_or_none()
    if current is None:
        session.execute(insert(state), {"key": _SENT, "value": str(high_water)})
    elif high_water > int(current):
        session.execute(update(state).where(state.c.key == _SENT).values(value=str(high_water)))


def backlog(session: Session) -> Backlog:
    sent = sent_mark(session)
    count, oldest = session.execute(select(func.count(), func.min(OutboxEvent.at)).where(OutboxEvent.seq > sent)).one()
    return Backlog(int(count or 0), oldest)
