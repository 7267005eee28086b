"""The journal against its links in the keyed audit chain, streamed: a year of entries never sits in memory.

One pass over the chain's journal links keeps a 64-bit digest per entry in an array indexed by entry id (8 bytes
an entry); one pass over the journal, in id order with its postings, compares each entry's digest with its link.
What cannot be held is asked of the database (sale entries without a fill, shift heads no longer in the chain).
"""

from __future__ import annotations

import heapq
import json
from array import array
from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger import audit
from station.ledger.models import Account, AuditEvent, Fill, JournalEntry, Posting, ShiftClosing

CHUNK = 10_000  # rows fetched at a time by the streaming reads (yield_per)


class Problems:
    """A check's first problems and how many there were: enough for the report's line, flat in memory."""

    SHOWN = 5

    def __init__(self, problems: Iterable[str] = ()) -> None:
        self.shown: list[str] = []
        self.count = 0
        for problem in problems:
            self.add(problem)

    def add(self, problem: str) -> None:
        self.count += 1
        if len(self.shown) < self.SHOWN:
            self.shown.append(problem)

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.shown)


class _ByEntry:
    """Problems keyed by entry id, kept in id order (the first few of each kind merge into the report's order)."""

    def __init__(self) -> None:
        self.first: list[tuple[int, str]] = []
        self.count = 0

    def add(self, entry_id: int, problem: str) -> None:
        self.count += 1
        if len(self.first) < Problems.SHOWN or entry_id < self.first[-1][0]:
            self.first.append((entry_id, problem))
            self.first.sort()
            del self.first[Problems.SHOWN :]


def _digest(postings: Iterable[tuple[str, int]]) -> int:
    # Same process, same hash: only equality within this check matters. 0 means "no link".
    return hash(tuple(sorted(postings))) or 1


def journal_in_audit_chain(session: Session) -> Problems:
    """The journal against its links in the keyed audit chain (a deleted sale leaves its link behind).

    Rows can be deleted by anyone who can write the database, but a keyed link cannot be deleted or rewritten
    without breaking the chain. So: every audited entry must still be in the journal with the same postings;
    every entry since the chain began auditing entries must have its link; every sale entry its fill; and the
    head recorded at every shift close must still be a link of the chain.
    """
    top = int(session.scalar(select(func.coalesce(func.max(JournalEntry.id), 0))) or 0)
    links = array("q", bytes(8 * (top + 1)))
    beyond: dict[int, int] = {}  # links of entries above the journal's last id: deleted ones
    first_audited: int | None = None
    for detail in session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == audit.JOURNAL_ENTRY).execution_options(yield_per=CHUNK)
    ):
        data = json.loads(detail)
        entry_id = int(data["entry"])
        digest = _digest((str(a), int(f)) for a, f in data["postings"])
        if 0 <= entry_id <= top:
            links[entry_id] = digest
        else:
            beyond[entry_id] = digest
        first_audited = entry_id if first_audited is None else min(first_audited, entry_id)

    linked = _ByEntry()  # audited entries: deleted, or postings differ (one list, in entry order)
    unlinked = Problems()
    current: int | None = None
    postings: list[tuple[str, int]] = []

    def close(entry_id: int) -> None:
        link = links[entry_id]
        if link:
            links[entry_id] = 0  # seen: what stays non-zero was deleted from the journal
            if _digest(postings) != link:
                linked.add(entry_id, f"entry {entry_id} postings differ from its audit link")
        elif first_audited is not None and entry_id > first_audited:
            unlinked.add(f"entry {entry_id} is not in the audit chain")

    rows = session.execute(
        select(JournalEntry.id, Account.code, Posting.amount_fen)
        .select_from(JournalEntry)
        .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .outerjoin(Account, Account.id == Posting.account_id)
        .order_by(JournalEntry.id)
        .execution_options(yield_per=CHUNK)
    )
    for entry_id, code, amount in rows:
        if entry_id != current:
            if current is not None:
                close(current)
            current, postings = entry_id, []
        if code is not None:
            postings.append((str(code), int(amount)))
    if current is not None:
        close(current)
    deleted = (i for i, link in enumerate(links) if link)
    for entry_id in heapq.merge(deleted, sorted(beyond)):
        linked.add(entry_id, f"entry {entry_id} is in the audit chain but not in the journal (deleted)")

    problems = Problems()
    problems.shown = [p for _i, p in sorted(linked.first)][: Problems.SHOWN]
    problems.count = linked.count
    for problem in unlinked.shown:
        if len(problems.shown) < Problems.SHOWN:
            problems.shown.append(problem)
    problems.count += unlinked.count
    sold = select(Fill.id).where(Fill.sale_entry_id == JournalEntry.id)
    for entry_id in session.scalars(
        select(JournalEntry.id)
        .where(JournalEntry.kind == "fill_sale", ~sold.exists())
        .order_by(JournalEntry.id)
        .execution_options(yield_per=CHUNK)
    ):
        problems.add(f"sale entry {entry_id} has no fill (deleted)")
    in_chain = select(AuditEvent.id).where(AuditEvent.hash == ShiftClosing.audit_head)
    for shift_id, head in session.execute(
        select(ShiftClosing.shift_id, ShiftClosing.audit_head)
        .where(ShiftClosing.audit_head != audit.GENESIS, ~in_chain.exists())
        .order_by(ShiftClosing.shift_id)
    ):
        problems.add(f"shift {shift_id} closed at chain head {head[:12]}, no longer in the chain")
    return problems
