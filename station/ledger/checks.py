"""``station db check``: the database's own integrity check plus every ledger invariant of SPEC §5."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from station.ledger import audit
from station.ledger.checks_journal import CHUNK, Problems, journal_in_audit_chain
from station.ledger.db import read_engine
from station.ledger.locks import LOCK_CLEARED, LOCKED
from station.ledger.models import (
    Account,
    AuditEvent,
    Card,
    CardType,
    Fill,
    FillStatus,
    Hold,
    HoldStatus,
    JournalEntry,
    LaneAuthorization,
    Posting,
    Shift,
    StockMovement,
)
from station.ledger.models_locks import NozzleLock
from station.money import amount_for


@dataclass
class CheckReport:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def expect(self, name: str, problems: Iterable[str]) -> None:
        # Counted as they stream by, the first five kept: a broken year never becomes a list of a million lines.
        found = problems if isinstance(problems, Problems) else Problems(problems)
        if found:
            more = found.count - Problems.SHOWN
            shown = "; ".join(found.shown) + (f"; … {more} more" if more > 0 else "")
            self.failed.append(f"{name}: {shown}")
        else:
            self.passed.append(name)

    def render(self) -> str:
        lines = [f"  ok    {name}" for name in self.passed] + [f"  FAIL  {name}" for name in self.failed]
        verdict = "every invariant holds" if self.ok else f"{len(self.failed)} invariant(s) broken"
        return "\n".join([*lines, verdict])


def _card_balances(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Account.code, func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(Posting, Posting.account_id == Account.id, isouter=True)
        .group_by(Account.code)
    ).all()
    # Card and hold accounts are liabilities: their natural balance is minus the sum of postings.
    return {code: -int(total) for code, total in rows}


def orphaned_holds(session: Session) -> list[str]:
    """An open hold nobody will settle is money trapped on the card: each must belong to a fill still going."""
    live = select(LaneAuthorization.id).where(LaneAuthorization.hold_id == Hold.id, LaneAuthorization.status == "live")
    unpaid = select(Fill.id).where(Fill.hold_id == Hold.id, Fill.status == FillStatus.UNPAID)
    orphans = session.execute(
        select(Hold.id, Hold.amount_fen).where(Hold.status == HoldStatus.OPEN, ~live.exists(), ~unpaid.exists())
    ).all()
    return [f"hold {h} ({fen} fen) has no live fill" for h, fen in orphans]


def check_ledger(engine: Engine, audit_key: bytes | None = None) -> CheckReport:
    """Every invariant; ``audit_key`` (``Ledger.audit_key``) lets the audit chain's keyed links be checked too."""
    report = CheckReport()
    # A check only reads: it must never hold the write lock a sale is waiting for.
    engine = read_engine(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            report.expect("SQLite integrity_check", [] if result == "ok" else [str(result)])
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            report.expect("foreign keys", [str(tuple(r)) for r in fk])
        else:
            conn.execute(text("SELECT 1"))
            report.passed.append("database reachable")
    with Session(engine) as session:
        unbalanced = session.execute(
            select(Posting.entry_id, func.sum(Posting.amount_fen))
            .group_by(Posting.entry_id)
            .having(func.sum(Posting.amount_fen) != 0)
            .execution_options(yield_per=CHUNK)
        )
        report.expect("every journal entry sums to zero", (f"entry {e} sums to {s}" for e, s in unbalanced))
        empty = session.scalars(
            select(JournalEntry.id)
            .where(~select(Posting.id).where(Posting.entry_id == JournalEntry.id).exists())
            .execution_options(yield_per=CHUNK)
        )
        report.expect("every journal entry has postings", (f"entry {e} has none" for e in empty))

        balances = _card_balances(session)
        floor_problems: list[str] = []
        hold_problems: list[str] = []
        open_holds = dict(
            session.execute(
                select(Hold.card_id, func.sum(Hold.amount_fen))
                .where(Hold.status == HoldStatus.OPEN)
                .group_by(Hold.card_id)
            ).all()
        )
        for card in session.scalars(select(Card)):
            balance = balances.get(f"card:{card.number}", 0)
            held = balances.get(f"hold:{card.number}", 0)
            if card.card_type is not CardType.INTERNAL and balance < -card.credit_limit_fen:
                floor_problems.append(f"card {card.number} balance {balance} below -{card.credit_limit_fen}")
            if held != int(open_holds.get(card.id, 0)):
                hold_problems.append(f"card {card.number} holds {held} but open holds sum {open_holds.get(card.id, 0)}")
        report.expect("no card below zero (or below minus its credit limit)", floor_problems)
        report.expect("held balance equals the open holds", hold_problems)

        bad_holds = session.scalars(
            select(Hold.id).where(Hold.status != HoldStatus.OPEN, Hold.resolved_at.is_(None))
        ).all()
        report.expect("every resolved hold resolved once, with a time", [f"hold {h}" for h in bad_holds])

        report.expect("every open hold has a live lane authorization or an unpaid fill", orphaned_holds(session))

        dupes = session.execute(
            select(Fill.dispenser, Fill.nozzle, Fill.transaction_number, func.count())
            .group_by(Fill.dispenser, Fill.nozzle, Fill.transaction_number)
            .having(func.count() > 1)
        ).all()
        report.expect(
            "every dispenser transaction recorded exactly once", [f"{d}/{n}/{t} ×{c}" for d, n, t, c in dupes]
        )
        # Columns, not entities, a chunk at a time: a year of fills never enters the session's identity map.
        fill_problems = Problems()
        for fill_id, amount, price, quantity, status, sale_entry in session.execute(
            select(Fill.id, Fill.amount_fen, Fill.unit_price_fen, Fill.quantity_centi, Fill.status, Fill.sale_entry_id)
            .order_by(Fill.id)
            .execution_options(yield_per=CHUNK)
        ):
            if amount != amount_for(price, quantity):
                fill_problems.add(f"fill {fill_id} amount is not price × quantity")
            if status is FillStatus.PAID and amount and sale_entry is None:
                fill_problems.add(f"fill {fill_id} paid without a sale entry")
            if status is FillStatus.UNPAID and sale_entry is not None:
                fill_problems.add(f"fill {fill_id} unpaid but has a sale entry")
        report.expect("fills priced and settled consistently", fill_problems)

        # The fill's movement joined in SQL (fill_id is unique), only the mismatches come back.
        movement = StockMovement.quantity_centi
        stock_rows = session.execute(
            select(Fill.id, Fill.quantity_centi, movement)
            .outerjoin(StockMovement, StockMovement.fill_id == Fill.id)
            .where(Fill.quantity_centi != 0, movement.is_(None) | (movement != -Fill.quantity_centi))
            .order_by(Fill.id)
            .execution_options(yield_per=CHUNK)
        )
        report.expect(
            "every fill taken from the gas stock once",
            (f"fill {fill_id} quantity {qty} has stock movement {moved}" for fill_id, qty, moved in stock_rows),
        )

        _check_shift_books(session, report)

        chain = audit.verify(session, audit_key)
        keyed = "" if audit_key is None else f", {chain.keyed} keyed"
        report.expect(
            f"audit chain ({chain.events} events{keyed}, head {chain.head[:12]})",
            [] if chain.ok else [f"first broken link at event {chain.first_broken_id}: {chain.problem}"],
        )
        report.expect("every journal entry and paid fill in the audit chain", journal_in_audit_chain(session))
        report.expect("every nozzle lock and its clearing in the audit chain", nozzle_locks_in_audit_chain(session))
    return report


def nozzle_locks_in_audit_chain(session: Session) -> list[str]:
    """Each lock has its link, each cleared lock its clearing link, and a nozzle has at most one lock standing.

    A lock row deleted to free a nozzle leaves its link behind; a lock cleared by editing the row has no link.
    """
    linked: dict[str, set[int]] = {LOCKED: set(), LOCK_CLEARED: set()}
    for action, detail in session.execute(
        select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.action.in_([LOCKED, LOCK_CLEARED]))
    ):
        linked[action].add(int(json.loads(detail)["lock"]))
    problems: list[str] = []
    standing: dict[tuple[int, int], int] = {}
    rows = {row.id: row for row in session.scalars(select(NozzleLock).order_by(NozzleLock.id))}
    for lock_id, row in rows.items():
        lane = f"{row.dispenser}/{row.nozzle}"
        if lock_id not in linked[LOCKED]:
            problems.append(f"lock {lock_id} on {lane} is not in the audit chain")
        if row.cleared_at is not None and lock_id not in linked[LOCK_CLEARED]:
            problems.append(f"lock {lock_id} on {lane} cleared without an audit link")
        if row.cleared_at is None:
            first = standing.setdefault((row.dispenser, row.nozzle), lock_id)
            if first != lock_id:
                problems.append(f"{lane} has locks {first} and {lock_id} both standing")
    problems += [
        f"lock {lock_id} is in the audit chain but not in the ledger (deleted)"
        for lock_id in sorted(linked[LOCKED] - rows.keys())
    ]
    return problems


def _check_shift_books(session: Session, report: CheckReport) -> None:
    """Every entry and fill in exactly one shift or the between-shifts bucket, and the sums agree per account."""
    orphans = session.scalars(
        select(JournalEntry.id).where(JournalEntry.shift_id.is_(None), JournalEntry.between_shifts.is_(False))
    ).all()
    report.expect("every journal entry in a shift or the between-shifts bucket", [f"entry {e}" for e in orphans])
    stray = session.scalars(select(Fill.id).where(Fill.shift_id.is_(None), Fill.between_shifts.is_(False))).all()
    report.expect("every fill in a shift or the between-shifts bucket", [f"fill {f}" for f in stray])

    # Σ over the shifts and the bucket, each group counted once; an orphan entry falls outside both.
    in_books = (JournalEntry.shift_id.is_not(None)) | (JournalEntry.between_shifts.is_(True))
    parts: dict[str, int] = {}
    for code, amount in session.execute(
        select(Account.code, func.sum(Posting.amount_fen))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(in_books)
        .group_by(Account.code)
    ):
        parts[code] = parts.get(code, 0) + int(amount or 0)
    totals = {
        str(code): int(amount or 0)
        for code, amount in session.execute(
            select(Account.code, func.sum(Posting.amount_fen))
            .join(Posting, Posting.account_id == Account.id)
            .group_by(Account.code)
        )
    }
    report.expect(
        "Σ shifts + between-shifts bucket = the whole journal, per account",
        [
            f"{code}: {parts.get(code, 0)} ≠ {total}"
            for code, total in sorted(totals.items())
            if parts.get(code, 0) != total
        ],
    )

    # A shift's own entries were posted while it was open; adopted ones before it opened. Compared in SQL: only
    # the misplaced entries come back.
    created, opened, closed = JournalEntry.created_at, Shift.opened_at, Shift.closed_at
    between = JournalEntry.between_shifts.is_(True)
    outside = (created < opened) | (closed.is_not(None) & (created > closed))
    misplaced = session.execute(
        select(JournalEntry.id, JournalEntry.shift_id, JournalEntry.between_shifts)
        .join(Shift, Shift.id == JournalEntry.shift_id)
        .where((between & (created > opened)) | (~between & outside))
        .order_by(JournalEntry.id)
        .execution_options(yield_per=CHUNK)
    )
    report.expect(
        "every shift's entries posted while it was open (adopted ones before)",
        (
            f"entry {entry_id} adopted by shift {shift_id} but posted after it opened"
            if is_between
            else f"entry {entry_id} posted outside shift {shift_id}"
            for entry_id, shift_id, is_between in misplaced
        ),
    )
