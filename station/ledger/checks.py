"""``station db check``: the database's own integrity check plus every ledger invariant of SPEC §5."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from station.ledger import audit
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
    ShiftClosing,
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

    def expect(self, name: str, problems: list[str]) -> None:
        if problems:
            shown = "; ".join(problems[:5]) + (f"; … {len(problems) - 5} more" if len(problems) > 5 else "")
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
        ).all()
        report.expect("every journal entry sums to zero", [f"entry {e} sums to {s}" for e, s in unbalanced])
        empty = session.scalars(
            select(JournalEntry.id).where(~select(Posting.id).where(Posting.entry_id == JournalEntry.id).exists())
        ).all()
        report.expect("every journal entry has postings", [f"entry {e} has none" for e in empty])

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
        fill_problems: list[str] = []
        for fill in session.scalars(select(Fill)):
            if fill.amount_fen != amount_for(fill.unit_price_fen, fill.quantity_centi):
                fill_problems.append(f"fill {fill.id} amount is not price × quantity")
            if fill.status is FillStatus.PAID and fill.amount_fen and fill.sale_entry_id is None:
                fill_problems.append(f"fill {fill.id} paid without a sale entry")
            if fill.status is FillStatus.UNPAID and fill.sale_entry_id is not None:
                fill_problems.append(f"fill {fill.id} unpaid but has a sale entry")
        report.expect("fills priced and settled consistently", fill_problems)

        stock = dict(
            session.execute(
                select(StockMovement.fill_id, StockMovement.quantity_centi).where(StockMovement.fill_id.is_not(None))
            ).all()
        )
        stock_problems = [
            f"fill {fill_id} quantity {qty} has stock movement {stock.get(fill_id)}"
            for fill_id, qty in session.execute(select(Fill.id, Fill.quantity_centi))
            if qty and stock.get(fill_id) != -qty
        ]
        report.expect("every fill taken from the gas stock once", stock_problems)

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


def journal_in_audit_chain(session: Session) -> list[str]:
    """The journal against its links in the keyed audit chain (a deleted sale leaves its link behind).

    Rows can be deleted by anyone who can write the database, but a keyed link cannot be deleted or rewritten
    without breaking the chain. So: every audited entry must still be in the journal with the same postings;
    every entry since the chain began auditing entries must have its link; every sale entry its fill; and the
    head recorded at every shift close must still be a link of the chain.
    """
    problems: list[str] = []
    audited: dict[int, list[tuple[str, int]]] = {}
    for detail in session.scalars(select(AuditEvent.detail).where(AuditEvent.action == audit.JOURNAL_ENTRY)):
        data = json.loads(detail)
        audited[int(data["entry"])] = sorted((str(a), int(f)) for a, f in data["postings"])
    journal: dict[int, list[tuple[str, int]]] = {}
    for entry_id, code, amount in session.execute(
        select(Posting.entry_id, Account.code, Posting.amount_fen).join(Account, Account.id == Posting.account_id)
    ):
        journal.setdefault(entry_id, []).append((code, int(amount)))
    kinds: dict[int, str] = {e: k for e, k in session.execute(select(JournalEntry.id, JournalEntry.kind))}
    first_audited = min(audited, default=None)
    for entry_id, postings in sorted(audited.items()):
        if entry_id not in kinds:
            problems.append(f"entry {entry_id} is in the audit chain but not in the journal (deleted)")
        elif sorted(journal.get(entry_id, [])) != postings:
            problems.append(f"entry {entry_id} postings differ from its audit link")
    if first_audited is not None:
        problems += [
            f"entry {e} is not in the audit chain" for e in sorted(kinds) if e > first_audited and e not in audited
        ]
    sold = set(session.scalars(select(Fill.sale_entry_id).where(Fill.sale_entry_id.is_not(None))))
    problems += [
        f"sale entry {e} has no fill (deleted)" for e, k in sorted(kinds.items()) if k == "fill_sale" and e not in sold
    ]
    links = set(session.scalars(select(AuditEvent.hash)))
    for shift_id, head in session.execute(select(ShiftClosing.shift_id, ShiftClosing.audit_head)):
        if head != audit.GENESIS and head not in links:
            problems.append(f"shift {shift_id} closed at chain head {head[:12]}, no longer in the chain")
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
    for code, _shift_id, amount in session.execute(
        select(Account.code, JournalEntry.shift_id, func.sum(Posting.amount_fen))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(in_books)
        .group_by(Account.code, JournalEntry.shift_id)
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

    # A shift's own entries were posted while it was open; adopted ones before it opened.
    windows = {sh.id: (sh.opened_at, sh.closed_at) for sh in session.scalars(select(Shift))}
    misplaced: list[str] = []
    for entry_id, shift_id, created, between in session.execute(
        select(JournalEntry.id, JournalEntry.shift_id, JournalEntry.created_at, JournalEntry.between_shifts).where(
            JournalEntry.shift_id.is_not(None)
        )
    ):
        if shift_id is None:
            continue
        opened, closed = windows[shift_id]
        if between and created > opened:
            misplaced.append(f"entry {entry_id} adopted by shift {shift_id} but posted after it opened")
        if not between and (created < opened or (closed is not None and created > closed)):
            misplaced.append(f"entry {entry_id} posted outside shift {shift_id}")
    report.expect("every shift's entries posted while it was open (adopted ones before)", misplaced)
