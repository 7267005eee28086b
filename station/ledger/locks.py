"""Nozzle locks (泄漏锁定): a leak locks its nozzle until a manager has checked it and clears it.

Seed 002: "发现泄漏点立即停止加气". A leak alarm from the dispenser, or a leak the attendant finds at step 6,
locks the nozzle in the ledger, so the lock survives a restart of the terminal. The incident and the lock are
one transaction and one pair of audit links. Only a manager clears a lock, with a note of what was checked;
that too is audited. Nothing here touches money: an unpaid fill stopped by the leak is settled as any other.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.errors import InvalidInput, Refused
from station.ledger.models_locks import NozzleLock
from station.ledger.services import Ledger
from station.ledger.staff import Actor

LEAK = "leak"
# Audit actions; ``station db check`` matches every lock to them.
LOCKED = "nozzle_locked"
LOCK_CLEARED = "nozzle_lock_cleared"
CAUSES = ("alarm", "abort")
NOTE_MAX = 200


@dataclass(frozen=True)
class LockView:
    id: int
    dispenser: int
    nozzle: int
    kind: str
    cause: str
    locked_at: dt.datetime
    locked_by_id: int | None
    detail: dict[str, Any]
    cleared_at: dt.datetime | None = None
    cleared_by_id: int | None = None
    clear_note: str = ""

    @property
    def lane(self) -> str:
        return f"{self.dispenser}/{self.nozzle}"


def _view(row: NozzleLock) -> LockView:
    return LockView(
        id=row.id,
        dispenser=row.dispenser,
        nozzle=row.nozzle,
        kind=row.kind,
        cause=row.cause,
        locked_at=row.locked_at,
        locked_by_id=row.locked_by_id,
        detail=json.loads(row.detail) if row.detail else {},
        cleared_at=row.cleared_at,
        cleared_by_id=row.cleared_by_id,
        clear_note=row.clear_note,
    )


class NozzleLocks:
    """The ledger's nozzle locks; each call one transaction (a look-up takes no write lock)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @staticmethod
    def _active(session: Session, dispenser: int, nozzle: int) -> NozzleLock | None:
        return session.scalar(
            select(NozzleLock)
            .where(NozzleLock.dispenser == dispenser, NozzleLock.nozzle == nozzle, NozzleLock.cleared_at.is_(None))
            .order_by(NozzleLock.id)
            .limit(1)
        )

    def lock_for_leak(
        self, actor: Actor | None, dispenser: int, nozzle: int, cause: str, **detail: Any
    ) -> tuple[LockView, bool]:
        """Record the leak incident and lock the nozzle, in one transaction. Returns the lock and whether it is new.

        A nozzle already locked stays under its first lock: the incident is still recorded (a second alarm is a
        fact worth keeping), no second lock is made.
        """
        if cause not in CAUSES:
            raise InvalidInput("lock_cause_unknown", cause=cause)
        actor_id = actor.id if actor else None
        lane = f"{dispenser}/{nozzle}"
        with self.ledger._tx() as session:
            # Whoever is logged in (or nobody): a leak is locked whatever the state of the staff list.
            self.ledger._audit(session, actor_id, "incident", what=f"{LEAK}:{cause}", lane=lane, **detail)
            row = self._active(session, dispenser, nozzle)
            if row is not None:
                return _view(row), False
            row = NozzleLock(
                dispenser=dispenser,
                nozzle=nozzle,
                kind=LEAK,
                cause=cause,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
                locked_at=self.ledger.now(),
                locked_by_id=actor_id,
                clear_note="",
            )
            session.add(row)
            session.flush()
            self.ledger._audit(session, actor_id, LOCKED, lock=row.id, lane=lane, kind=LEAK, cause=cause)
            return _view(row), True

    def active(self, dispenser: int | None = None, nozzle: int | None = None) -> list[LockView]:
        """Locks not yet cleared, oldest first (of one nozzle, or of the whole forecourt)."""
        with self.ledger._read() as session:
            stmt = select(NozzleLock).where(NozzleLock.cleared_at.is_(None))
            if dispenser is not None:
                stmt = stmt.where(NozzleLock.dispenser == dispenser)
            if nozzle is not None:
                stmt = stmt.where(NozzleLock.nozzle == nozzle)
            return [_view(row) for row in session.scalars(stmt.order_by(NozzleLock.id))]

    def history(self, dispenser: int, nozzle: int) -> list[LockView]:
        with self.ledger._read() as session:
            rows = session.scalars(
                select(NozzleLock)
                .where(NozzleLock.dispenser == dispenser, NozzleLock.nozzle == nozzle)
                .order_by(NozzleLock.id)
            )
            return [_view(row) for row in rows]

    def clear(self, manager: Actor, dispenser: int, nozzle: int, note: str) -> LockView:
        """Manager: the nozzle was checked and may be used again; the note says what was checked and done."""
        note = note.strip()
        if not note:
            raise InvalidInput("lock_note_required")
        with self.ledger._tx() as session:
            self.ledger._actor(session, manager, manager=True)
            row = self._active(session, dispenser, nozzle)
            if row is None:
                raise Refused("nozzle_not_locked", lane=f"{dispenser}/{nozzle}")
            row.cleared_at = self.ledger.now()
            row.cleared_by_id = manager.id
            row.clear_note = note[:NOTE_MAX]
            session.flush()
            self.ledger._audit(
                session, manager.id, LOCK_CLEARED, lock=row.id, lane=f"{dispenser}/{nozzle}", note=row.clear_note
            )
            return _view(row)
