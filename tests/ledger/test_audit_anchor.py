"""The audit chain anchored outside its own table (issue 10 #8): a cut tail, a deleted head row or a deleted
sale is found by ``station audit verify`` and ``station db check``, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from station.cli import main
from station.ledger import audit
from station.ledger.checks import check_ledger
from station.ledger.models import AuditEvent, StationState
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.staff import Actor
from station.runtime import open_station
from station.seed import seed_demo
from tests.conftest import FakeClock
from tests.ledger.helpers import card, record, staff


def _verify(ledger: Ledger, printed_head: str | None = None) -> audit.ChainReport:
    with Session(ledger.engine) as session:
        return audit.verify(session, ledger.audit_key, printed_head=printed_head)


def _head(ledger: Ledger) -> str:
    with Session(ledger.engine) as session:
        row = session.get(StationState, audit.HEAD_KEY)
        assert row is not None
        return row.value


def _sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _open_shift(ledger: Ledger, manager: Actor, attendant: Actor) -> None:
    zero = {(n.dispenser, n.nozzle): (0, 0, False) for n in ledger.settings.nozzles}
    ShiftDesk(ledger).open_shift(manager, [attendant], ledger.drawer_cash(), zero)


def _sale(ledger: Ledger, attendant: Actor, number: int, clock: FakeClock) -> int:
    clock.advance(60)
    fill = ledger.record_fill(record(number, 10_00, when=clock.now), attendant=attendant)
    ledger.settle_cash(attendant, fill.id, 50_00)
    return fill.id


def _delete_sale(engine: Engine, fill_id: int, *, with_audit: bool) -> int:
    """What someone with the database file does to make a paid sale disappear: every row it wrote."""
    with engine.begin() as conn:
        entry = conn.execute(text(f"SELECT sale_entry_id FROM fills WHERE id = {fill_id}")).scalar_one()
        conn.execute(text(f"DELETE FROM stock_movements WHERE fill_id = {fill_id}"))
        conn.execute(text(f"DELETE FROM receipt_jobs WHERE fill_id = {fill_id}"))
        conn.execute(text(f"DELETE FROM lane_authorizations WHERE fill_id = {fill_id}"))
        conn.execute(text(f"DELETE FROM sequence_steps WHERE fill_id = {fill_id}"))
        conn.execute(text(f"DELETE FROM fills WHERE id = {fill_id}"))
        conn.execute(text(f"DELETE FROM postings WHERE entry_id = {entry}"))
        conn.execute(text(f"DELETE FROM journal_entries WHERE id = {entry}"))
        if with_audit:
            conn.execute(
                text("DELETE FROM audit_events WHERE action = 'journal_entry' AND detail LIKE :pattern"),
                {"pattern": f'%"entry":{entry},%'},
            )
    return int(entry)


def test_a_cut_tail_with_the_head_row_deleted_is_found(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager)
    printed = _head(ledger)  # the head a shift report printed
    for amount in (100_00, 200_00, 300_00):
        ledger.recharge(manager, number, amount)
    assert _verify(ledger).ok and _verify(ledger, printed).after_printed == 6  # three entries, three recharges
    with Session(ledger.engine) as session:
        last_kept = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1).offset(3)).one()
    _sql(
        ledger.engine,
        f"DELETE FROM audit_events WHERE id > {last_kept}",
        "DELETE FROM station_state WHERE key = 'audit_head'",
    )
    report = _verify(ledger)
    assert not report.ok and "audit_head" in report.problem
    # the head row put back at the new last event: the anchor's MAC still names the cut-off head
    with Session(ledger.engine) as session:
        last_hash = session.scalars(select(AuditEvent.hash).where(AuditEvent.id == last_kept)).one()
        session.add(StationState(key=audit.HEAD_KEY, value=last_hash))
        session.commit()
    report = _verify(ledger)
    assert not report.ok and "tail was cut" in report.problem
    # ... and the anchor deleted too
    _sql(ledger.engine, "DELETE FROM station_state WHERE key = 'audit_anchor'")
    report = _verify(ledger)
    assert not report.ok and "anchor row is missing" in report.problem
    # ... or forged: a MAC needs the key, which is not in the database
    _sql(ledger.engine, f"INSERT INTO station_state (key, value) VALUES ('audit_anchor', '{last_hash}:{'0' * 64}')")
    report = _verify(ledger)
    assert not report.ok and "MAC is wrong" in report.problem
    assert not check_ledger(ledger.engine, ledger.audit_key).ok


def test_a_replayed_anchor_is_caught_by_the_printed_head(ledger: Ledger) -> None:
    """An old anchor copied from a backup makes a cut tail look whole; the head printed later does not."""
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager)
    with Session(ledger.engine) as session:
        saved = {r.key: r.value for r in session.scalars(select(StationState))}
        last_kept = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).one()
    ledger.recharge(manager, number, 100_00)
    printed = _head(ledger)  # printed on the next shift report
    _sql(
        ledger.engine,
        f"DELETE FROM audit_events WHERE id > {last_kept}",
        f"UPDATE station_state SET value = '{saved[audit.HEAD_KEY]}' WHERE key = 'audit_head'",
        f"UPDATE station_state SET value = '{saved[audit.ANCHOR_KEY]}' WHERE key = 'audit_anchor'",
    )
    assert _verify(ledger).ok  # the limit of what the database alone can tell
    report = _verify(ledger, printed[:16])
    assert not report.ok and "printed head" in report.problem and "not in the chain" in report.problem


def test_a_tampered_head_is_recorded_in_the_chain_by_the_next_write(ledger: Ledger) -> None:
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager)
    with Session(ledger.engine) as session:
        last_kept = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1).offset(2)).one()
        last = session.get(AuditEvent, last_kept)
        assert last is not None
    _sql(
        ledger.engine,
        f"DELETE FROM audit_events WHERE id > {last_kept}",
        f"UPDATE station_state SET value = '{last.hash}' WHERE key = 'audit_head'",
        "DELETE FROM station_state WHERE key = 'audit_anchor'",
    )
    ledger.recharge(manager, number, 100_00)  # the station goes on selling; the chain keeps the finding
    report = _verify(ledger)
    assert not report.ok and "tampering found" in report.problem and "anchor row is missing" in report.problem


@pytest.mark.parametrize("where", ["middle", "tail"])
def test_a_deleted_paid_sale_is_caught_by_db_check(ledger: Ledger, clock: FakeClock, where: str) -> None:
    manager, attendant = staff(ledger)
    _open_shift(ledger, manager, attendant)
    sales = [_sale(ledger, attendant, n, clock) for n in (1, 2, 3)]
    assert check_ledger(ledger.engine, ledger.audit_key).ok
    gone = sales[1] if where == "middle" else sales[2]
    if where == "tail":
        # the sale was the last thing written: its links are the tail; cut them and set the head row back
        with Session(ledger.engine) as session:
            fill_entry = session.execute(text(f"SELECT sale_entry_id FROM fills WHERE id = {gone}")).scalar_one()
            link = session.scalars(select(AuditEvent).where(AuditEvent.detail.like(f'%"entry":{fill_entry},%'))).one()
        _delete_sale(ledger.engine, gone, with_audit=True)
        _sql(ledger.engine, f"UPDATE station_state SET value = '{link.prev_hash}' WHERE key = 'audit_head'")
    else:
        _delete_sale(ledger.engine, gone, with_audit=True)
    report = check_ledger(ledger.engine, ledger.audit_key)
    assert not report.ok
    assert any(line.startswith("audit chain") for line in report.failed), report.render()


def test_a_sale_deleted_from_the_journal_is_named_by_its_link(ledger: Ledger, clock: FakeClock) -> None:
    manager, attendant = staff(ledger)
    _open_shift(ledger, manager, attendant)
    sales = [_sale(ledger, attendant, n, clock) for n in (1, 2)]
    entry = _delete_sale(ledger.engine, sales[0], with_audit=False)
    report = check_ledger(ledger.engine, ledger.audit_key)
    assert not report.ok
    assert f"entry {entry} is in the audit chain but not in the journal" in report.render()
    # a posting's amount changed behind the ledger's back
    _sql(ledger.engine, "UPDATE postings SET amount_fen = amount_fen + 100 WHERE id = (SELECT max(id) FROM postings)")
    assert "postings differ from its audit link" in check_ledger(ledger.engine, ledger.audit_key).render()


def test_links_written_before_the_chain_was_keyed_still_verify(ledger: Ledger) -> None:
    """A database from before this change: plain SHA-256 links, no anchor. They verify, and keyed links follow."""
    manager, _ = staff(ledger, shift=True)
    number = card(ledger, manager)
    with Session(ledger.engine) as session:
        prev = audit.GENESIS
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            event.prev_hash = prev
            event.hash = prev = audit.event_hash(
                prev, event.at, event.actor_id, event.approver_id, event.action, event.detail
            )
            session.flush()
        head = session.get(StationState, audit.HEAD_KEY)
        assert head is not None
        head.value = prev
        anchor = session.get(StationState, audit.ANCHOR_KEY)
        session.delete(anchor)
        session.commit()
    legacy = _verify(ledger)
    assert legacy.ok and legacy.keyed == 0 and legacy.events > 0
    ledger.recharge(manager, number, 100_00)
    after = _verify(ledger)
    assert after.ok and after.keyed == 2 and after.events == legacy.events + 2  # no tampering reported
    assert check_ledger(ledger.engine, ledger.audit_key).ok


def test_station_audit_verify_on_a_cut_tail_and_a_printed_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reported case: delete the ``audit_head`` row and cut the tail; the command said "intact"."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(url)
    seed_demo(runtime.ledger)
    printed = _head(runtime.ledger)
    runtime.close()
    assert main(["audit", "verify", "--db", url, "--head", printed]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", url, "--head", "f" * 64]) == 1
    assert "not in the chain" in capsys.readouterr().out
    _sql(
        runtime.engine,
        "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)",
        "DELETE FROM station_state WHERE key = 'audit_head'",
    )
    assert main(["audit", "verify", "--db", url]) == 1
    assert "BROKEN" in capsys.readouterr().out
    assert main(["db", "check", "--db", url]) == 1


def test_a_session_outside_the_ledgers_own_still_writes_keyed_links(ledger: Ledger, clock: FakeClock) -> None:
    """Code that opens its own session on the ledger's engine (and then audits) never writes a forgeable link."""
    staff(ledger)
    with Session(ledger.engine) as session, session.begin():
        audit.append(session, at=clock.now, actor_id=None, action="incident", detail={"what": "test"})
    report = _verify(ledger)
    assert report.ok and report.keyed == report.events
