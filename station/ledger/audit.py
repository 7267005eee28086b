"""The hash-chained audit log (SPEC §10)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.models import AuditEvent, StationState

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


def _canonical(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    prev_hash: str, at: dt.datetime, actor_id: int | None, approver_id: int | None, action: str, detail: str
) -> str:
    material = "|".join([prev_hash, at.astimezone(dt.UTC).isoformat(), str(actor_id), str(approver_id), action, detail])
    return hashlib.sha256(material.encode()).hexdigest()


def append(
    session: Session,
    *,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    detail: dict[str, Any],
    approver_id: int | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction; the head row is locked so the chain never forks."""
    head = session.get(StationState, HEAD_KEY, with_for_update=True)
    if head is None:
        head = StationState(key=HEAD_KEY, value=GENESIS)
        session.add(head)
    text = _canonical(detail)
    # Stored times have microsecond precision and no zone: hash exactly what will be read back.
    at = at.astimezone(dt.UTC)
    digest = event_hash(head.value, at, actor_id, approver_id, action, text)
    event = AuditEvent(
        at=at, actor_id=actor_id, approver_id=approver_id, action=action, detail=text, prev_hash=head.value, hash=digest
    )
    session.add(event)
    head.value = digest
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    first_broken_id: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.problem


def verify(session: Session) -> ChainReport:
    prev = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != prev:
            return ChainReport(count, prev, event.id, "prev_hash does not match the previous event")
        expected = event_hash(prev, event.at, event.actor_id, event.approver_id, event.action, event.detail)
        if expected != event.hash:
            return ChainReport(count, prev, event.id, "content does not match its hash")
        prev = event.hash
    head = session.get(StationState, HEAD_KEY)
    if head is not None and head.value != prev:
        return ChainReport(count, prev, None, "the recorded chain head is not the last event: the tail was cut")
    return ChainReport(count, prev, None, "")
