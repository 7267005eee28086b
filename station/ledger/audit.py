"""The hash-chained audit log (SPEC §10), keyed so that only the station can extend or rewrite it.

Each event's link covers the previous link and its own content. Links written since the chain was keyed are
HMAC-SHA256 under a key derived from the PIN key (kept outside the database); the events written before that
keep their plain SHA-256 link, and the first keyed link covers them. Anyone with write access to the database
can still delete rows, but no longer recompute the links after them, so a deleted event breaks the chain.

Cutting the tail is caught three ways: ``audit_head`` (the last link) must match the last event; the anchor
row holds a MAC of that head, which cannot be made for an earlier head without the key; and the head printed
on a shift report must still be in the chain (``station audit verify --head``). When an append finds the head
and the anchor disagree, it writes that finding into the chain itself, where it cannot be removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Pool, insert, select, update
from sqlalchemy.orm import Session

from station.ledger import outbox
from station.ledger.models import AuditEvent, StationState
from station.ledger.sql import DriverInsert, DriverSQL, fetch, insert_row, table

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
ANCHOR_KEY = "audit_anchor"  # "<head>:<HMAC of the head>"
_CHUNK = 10_000  # events fetched at a time by verify
KEY_INFO = "station_audit_key"  # where a writing session carries the chain key (Session.info)
TAMPERED = "audit_chain_tampered"
JOURNAL_ENTRY = "journal_entry"  # one per journal entry, with its postings (see checks.journal_in_audit_chain)
_KEY_LABEL = b"cng-station audit chain v2"


def chain_key(pin_key: bytes) -> bytes:
    """The chain's key, derived from the PIN key under its own label.

    Derived rather than a second file: the PIN key is already kept safe and backed up (without it no PIN can be
    checked), a second file could be lost on its own and leave the chain unverifiable, and the label keeps the
    two uses apart (no audit link can ever equal a PIN hash).
    """
    return hmac.new(pin_key, _KEY_LABEL, hashlib.sha256).digest()


def _canonical(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _material(
    prev_hash: str, at: dt.datetime, actor_id: int | None, approver_id: int | None, action: str, detail: str
) -> str:
    return "|".join([prev_hash, at.astimezone(dt.UTC).isoformat(), str(actor_id), str(approver_id), action, detail])


def event_hash(
    prev_hash: str, at: dt.datetime, actor_id: int | None, approver_id: int | None, action: str, detail: str
) -> str:
    """The plain (version 1) link of events written before the chain was keyed."""
    return hashlib.sha256(_material(prev_hash, at, actor_id, approver_id, action, detail).encode()).hexdigest()


def keyed_hash(
    key: bytes,
    prev_hash: str,
    at: dt.datetime,
    actor_id: int | None,
    approver_id: int | None,
    action: str,
    detail: str,
) -> str:
    """The keyed (version 2) link."""
    material = "v2|" + _material(prev_hash, at, actor_id, approver_id, action, detail)
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()


def anchor_value(key: bytes, head: str) -> str:
    mac = hmac.new(key, f"anchor|{head}".encode(), hashlib.sha256).hexdigest()
    return f"{head}:{mac}"


def _anchor_ok(key: bytes, value: str) -> bool:
    head, _, _mac = value.partition(":")
    return hmac.compare_digest(anchor_value(key, head), value)


# The key of each database a Ledger opened, by connection pool: a session made outside the Ledger's own
# sessionmaker (on the same engine) still writes keyed links.
_POOL_KEYS: weakref.WeakKeyDictionary[Pool, bytes] = weakref.WeakKeyDictionary()


def register_key(engine: Engine, key: bytes) -> None:
    _POOL_KEYS[engine.pool] = key


def _key_of(session: Session) -> bytes:
    key = session.info.get(KEY_INFO)
    if key is None:
        bind = session.get_bind()
        pool = bind.engine.pool if isinstance(bind, Connection) else bind.pool
        key = _POOL_KEYS.get(pool)
    if not isinstance(key, bytes) or not key:
        # Never write an unkeyed link: it could be forged by anyone who can write the database.
        raise RuntimeError("the audit chain key is not configured on this session")
    return key


def _anchor_problem(session: Session, key: bytes, head: str, anchor: str | None) -> str:
    """What is wrong between the head row and the anchor before this append, or ''."""
    if anchor is not None:
        if not _anchor_ok(key, anchor):
            return "the anchor's MAC is wrong"
        anchored = anchor.partition(":")[0]
        if anchored != head:
            return f"the head {head} is not the anchored head {anchored}"
        return ""
    if head == GENESIS:
        return ""
    last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    if last is None:
        return f"the head {head} names no event"
    plain = event_hash(last.prev_hash, last.at, last.actor_id, last.approver_id, last.action, last.detail)
    return "" if plain == last.hash else "the anchor row is missing"  # a plain last link: keyed from now on


_STATE = table(StationState).c
# On the driver's cursor: strings in and out (see DriverSQL); the rows locked on PostgreSQL as with_for_update.
# ORDER BY: PostgreSQL locks the two rows in the order it returns them; without an order that is where each row's
# newest version lies, which differs between two writers, and they deadlock (seen with concurrent recharges).
_READ_CHAIN = DriverSQL(
    f"SELECT key, value FROM station_state WHERE key = '{HEAD_KEY}' OR key = '{ANCHOR_KEY}' ORDER BY key",
    pg_suffix=" FOR UPDATE",
)
_INSERT_EVENT = DriverInsert(AuditEvent, ("at", "actor_id", "approver_id", "action", "detail", "prev_hash", "hash"))
_MOVE_CHAIN = DriverSQL(
    f"UPDATE station_state SET value = CASE WHEN key = '{HEAD_KEY}' THEN ? ELSE ? END"
    f" WHERE key = '{HEAD_KEY}' OR key = '{ANCHOR_KEY}'"
)


@dataclass(frozen=True)
class Link:
    """An event just appended: its id and hash (ShiftDesk keeps them with a closing). Not an ORM object, so
    nothing of it can go stale in the session."""

    id: int
    hash: str


def append(
    session: Session,
    *,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    detail: dict[str, Any],
    approver_id: int | None = None,
) -> Link:
    """Append one event inside the caller's transaction; the head row is locked so the chain never forks.

    Core statements, not the ORM: the head and the anchor are read (and locked) in one statement and written in
    one. No ORM object of either row is ever loaded, so none can go stale in a session that appends twice."""
    key = _key_of(session)
    state: dict[str, str] = {str(k): str(v) for k, v in fetch(session, _READ_CHAIN)}
    head = state.get(HEAD_KEY)
    if head is None:
        head = GENESIS
        session.execute(insert(table(StationState)), {"key": HEAD_KEY, "value": GENESIS})
    anchor = state.get(ANCHOR_KEY)
    problem = _anchor_problem(session, key, head, anchor)
    if problem:
        # Found while writing: say so inside the chain, where deleting it would break the keyed links.
        event = _link(session, key, head, anchor, at, None, None, TAMPERED, {"problem": problem})
        head, anchor = event.hash, anchor_value(key, event.hash)
    link = _link(session, key, head, anchor, at, actor_id, approver_id, action, detail)
    # Head office hears of every link (card services, overrides, invoices, complaints…) in the same transaction.
    # Keyed by the link's hash, not its id: an id a deleted row frees is taken again, a hash never is.
    outbox.emit(
        session,
        "audit",
        link.hash,
        {"action": action, "actor_id": actor_id, "approver_id": approver_id, "event": link.id, "detail": detail},
        at,
    )
    return link


def _link(
    session: Session,
    key: bytes,
    head: str,
    anchor: str | None,
    at: dt.datetime,
    actor_id: int | None,
    approver_id: int | None,
    action: str,
    detail: dict[str, Any],
) -> Link:
    text = _canonical(detail)
    # Stored times have microsecond precision and no zone: hash exactly what will be read back.
    at = at.astimezone(dt.UTC)
    digest = keyed_hash(key, head, at, actor_id, approver_id, action, text)
    values = {
        "at": at,
        "actor_id": actor_id,
        "approver_id": approver_id,
        "action": action,
        "detail": text,
        "prev_hash": head,
        "hash": digest,
    }
    event_id = insert_row(session, _INSERT_EVENT, values)
    new_anchor = anchor_value(key, digest)
    if anchor is None:
        session.execute(update(table(StationState)).where(_STATE.key == HEAD_KEY).values(value=digest))
        session.execute(insert(table(StationState)), {"key": ANCHOR_KEY, "value": new_anchor})
    else:
        # Head and anchor move together, in one statement.
        fetch(session, _MOVE_CHAIN, digest, new_anchor)
    return Link(event_id, digest)


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    first_broken_id: int | None
    problem: str
    keyed: int = 0  # events with a keyed link (checked when the key was given)
    key_checked: bool = False  # False: links and order checked, the keyed links' MACs not (no key)
    after_printed: int | None = None  # events after the printed head given to verify, when it was found

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.problem


def verify(session: Session, key: bytes | None = None, *, printed_head: str | None = None) -> ChainReport:
    """Walk the chain from the start. ``key``: the chain key (without it the keyed links' MACs go unchecked).

    ``printed_head``: the head printed on a shift report (at least 12 hex digits); it must still be a link of
    the chain, else the tail was cut or the chain rewritten after it was printed.
    """
    wanted = (printed_head or "").strip().lower()
    prev = GENESIS
    count = keyed = 0
    found_at: int | None = None
    tampered: list[str] = []
    # Columns a chunk at a time, never the events as objects: the walk's memory is flat in the chain's length.
    rows = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor_id,
            AuditEvent.approver_id,
            AuditEvent.action,
            AuditEvent.detail,
            AuditEvent.prev_hash,
            AuditEvent.hash,
        )
        .order_by(AuditEvent.id)
        .execution_options(yield_per=_CHUNK)
    )
    for event_id, at, actor_id, approver_id, action, detail, prev_hash, link in rows:
        count += 1
        if prev_hash != prev:
            problem = "prev_hash does not match the previous event"
            return ChainReport(count, prev, event_id, problem, keyed, key is not None)
        if key is not None and hmac.compare_digest(
            keyed_hash(key, prev, at, actor_id, approver_id, action, detail), link
        ):
            keyed += 1
        else:
            # The plain link only when the keyed one did not match (most links are keyed: half the hashing).
            plain = event_hash(prev, at, actor_id, approver_id, action, detail)
            if keyed == 0 and plain == link:
                pass  # written before the chain was keyed
            elif key is None and plain != link:
                keyed += 1  # a keyed link: its MAC needs the key
            else:
                problem = "an unkeyed link after keyed ones" if plain == link else "content does not match its hash"
                return ChainReport(count, prev, event_id, problem, keyed, key is not None)
        if action == TAMPERED:
            tampered.append(f"event {event_id}: {json.loads(detail).get('problem', '')}")
        prev = link
        if wanted and found_at is None and prev.startswith(wanted):
            found_at = count
    checked = key is not None

    def broken(problem: str) -> ChainReport:
        return ChainReport(count, prev, None, problem, keyed, checked)

    head = session.get(StationState, HEAD_KEY)
    if head is None and count:
        return broken("the chain head row (audit_head) is missing")
    if head is not None and head.value != prev:
        return broken("the recorded chain head is not the last event: the tail was cut")
    anchor = session.get(StationState, ANCHOR_KEY)
    if anchor is None and keyed:
        return broken("the chain anchor row is missing: the head cannot be trusted")
    if anchor is not None:
        if key is not None and not _anchor_ok(key, anchor.value):
            return broken("the chain anchor's MAC is wrong: the head was rewritten")
        if anchor.value.partition(":")[0] != prev:
            return broken("the anchored chain head is not the last event: the tail was cut")
    if tampered:
        return broken("tampering found when the chain was written: " + "; ".join(tampered[:3]))
    if wanted:
        if len(wanted) < 12 or any(c not in "0123456789abcdef" for c in wanted):
            return broken("the printed head must be at least 12 hexadecimal digits")
        if found_at is None:
            return broken(f"the printed head {wanted} is not in the chain: the tail was cut or the chain rewritten")
        return ChainReport(count, prev, None, "", keyed, checked, count - found_at)
    return ChainReport(count, prev, None, "", keyed, checked)
