"""Nozzle locks (泄漏锁定) on SQLite and PostgreSQL: set by a leak, cleared only by a manager with a note, audited."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from station.ledger.checks import check_ledger
from station.ledger.errors import InvalidInput, PermissionDenied, Refused
from station.ledger.locks import LOCK_CLEARED, LOCKED, NozzleLocks
from station.ledger.models import AuditEvent
from station.ledger.models_locks import NozzleLock
from station.ledger.services import Ledger
from tests.conftest import FakeClock
from tests.ledger.helpers import staff
from tests.ledger.test_services import assert_refused_unchanged


def audit_actions(ledger: Ledger) -> list[tuple[str, dict[str, object]]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)).all()
    return [(action, json.loads(detail)) for action, detail in rows]


def test_leak_locks_once_and_a_manager_clears_with_a_note(ledger: Ledger, clock: FakeClock) -> None:
    manager, attendant = staff(ledger)
    locks = NozzleLocks(ledger)
    lock, new = locks.lock_for_leak(None, 1, 2, "alarm", alarm="LEAK")
    assert new and (lock.lane, lock.cause, lock.locked_by_id, lock.cleared_at) == ("1/2", "alarm", None, None)
    assert lock.locked_at == clock.now
    again, new_again = locks.lock_for_leak(attendant, 1, 2, "abort", note="joint hissing")
    assert (again.id, new_again) == (lock.id, False)  # one standing lock per nozzle
    assert [v.id for v in locks.active(1, 2)] == [lock.id] and locks.active(1, 1) == []
    actions = audit_actions(ledger)
    incidents = [d for a, d in actions if a == "incident"]
    assert [d["what"] for d in incidents][-2:] == ["leak:alarm", "leak:abort"]  # both leaks are on record
    assert [d["lock"] for a, d in actions if a == LOCKED] == [lock.id]
    assert check_ledger(ledger.engine, ledger.audit_key).ok

    clock.advance(600)
    cleared = locks.clear(manager, 1, 2, "  阀门接头已紧固,检漏合格  ")
    assert cleared.cleared_by_id == manager.id and cleared.clear_note == "阀门接头已紧固,检漏合格"
    assert cleared.cleared_at == clock.now
    assert locks.active() == []
    assert [d for a, d in audit_actions(ledger) if a == LOCK_CLEARED] == [
        {"lock": lock.id, "lane": "1/2", "note": "阀门接头已紧固,检漏合格"}
    ]
    assert [v.id for v in locks.history(1, 2)] == [lock.id]
    assert check_ledger(ledger.engine, ledger.audit_key).ok
    # A later leak on the same nozzle is a new lock.
    later, new_later = locks.lock_for_leak(attendant, 1, 2, "abort")
    assert new_later and later.id != lock.id and later.locked_by_id == attendant.id


def test_clearing_is_refused_for_an_attendant_an_empty_note_and_an_unlocked_nozzle(ledger: Ledger) -> None:
    manager, attendant = staff(ledger)
    locks = NozzleLocks(ledger)
    locks.lock_for_leak(attendant, 1, 1, "abort")
    assert_refused_unchanged(ledger, PermissionDenied, "manager_only", lambda: locks.clear(attendant, 1, 1, "ok"))
    assert_refused_unchanged(ledger, InvalidInput, "lock_note_required", lambda: locks.clear(manager, 1, 1, " \t"))
    assert_refused_unchanged(ledger, Refused, "nozzle_not_locked", lambda: locks.clear(manager, 2, 1, "checked"))
    assert_refused_unchanged(ledger, InvalidInput, "lock_cause_unknown", lambda: locks.lock_for_leak(None, 1, 1, "x"))
    assert [v.lane for v in locks.active()] == ["1/1"]


def test_db_check_finds_a_lock_removed_or_cleared_behind_the_ledger(ledger: Ledger) -> None:
    _manager, attendant = staff(ledger)
    locks = NozzleLocks(ledger)
    first, _ = locks.lock_for_leak(attendant, 1, 1, "abort")
    second, _ = locks.lock_for_leak(None, 2, 1, "alarm")
    with ledger.engine.begin() as conn:
        conn.execute(delete(NozzleLock).where(NozzleLock.id == first.id))  # to free the nozzle unseen
        conn.execute(update(NozzleLock).where(NozzleLock.id == second.id).values(cleared_at=ledger.now()))
    failed = "\n".join(check_ledger(ledger.engine, ledger.audit_key).failed)
    assert f"lock {first.id} is in the audit chain but not in the ledger" in failed
    assert f"lock {second.id} on 2/1 cleared without an audit link" in failed
