"""The ledger's outbox calls for the sync worker, each one short transaction (mixed into Ledger)."""

from __future__ import annotations

from station.ledger.journal import LedgerCore
from station.ledger.outbox import Backlog, OutboxRow, backlog, events_after, events_in, set_sent_mark


class OutboxCalls(LedgerCore):
    def outbox_after(self, seq: int, limit: int) -> list[OutboxRow]:
        with self._read() as session:
            return events_after(session, seq, limit)

    def outbox_events(self, seqs: list[int]) -> list[OutboxRow]:
        with self._read() as session:
            return events_in(session, seqs)

    def outbox_sent(self, high_water: int) -> None:
        """Head office's high-water mark, kept for the backlog shown on the screens (never moved back)."""
        with self._tx() as session:
            set_sent_mark(session, high_water)

    def outbox_backlog(self) -> Backlog:
        with self._read() as session:
            return backlog(session)
