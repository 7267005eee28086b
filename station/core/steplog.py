"""The step log: a sequence's steps kept in order until the sequence's next durable event carries them.

A step happens on the event loop (a key press, a dispenser frame) and must not wait for the database there:
SQLite can be locked for seconds by another writer, and the same loop carries the E-STOP key. So a step is
only appended here (no thread, no database), and the core hands the sequence's buffered steps to the ledger
call of its next durable event, which runs off the loop (``CoreBase._db``) and commits them IN that event's
transaction: a fill costs no transaction of its own per step, and the ledger sees the steps before the event
they led to (a fill is never recorded before its steps, because they are one commit).

Which steps are durable when (a cash fill; a card fill alike, with the hold in the authorization):

=========================================================  ================================================
steps                                                       committed with
=========================================================  ================================================
greeting, lane, safety items, payment, card, vehicle,       the authorization (lane authorization or card
connect items, residual pressure (steps 1–6)                hold, with the write probe), before the
                                                            dispenser hears of it
authorized, gas flowing (steps 7–8)                         ``record_fill``; every step of the sequence is
                                                            linked to the fill there
fill ended, disconnect items (step 9)                       ``settle_cash`` / ``settle_card``
sale committed, farewell (steps 10–11)                      the finish write at farewell, with the receipt
                                                            spooled marks (:meth:`StationCore.farewell`);
                                                            committed without waiting for the disk (kept
                                                            through a kill; a power cut before the next
                                                            synced commit may take it back)
abort                                                       at the abort (with its incident when there is one)
leak stop                                                   the leak lock's write (``_leak_stop``)
resumed after restart                                       the resumed sequence's next event (fill or sale)
=========================================================  ================================================

A failed ledger call puts its steps back in front, so they ride the next one. Steps of a sequence that ended
without a write of its own (an authorize the dispenser never carried out) ride the next durable event of any
sequence. Whatever is still buffered when the core stops is written at stop, off the loop. A crash (kill,
power cut) loses only steps not yet carried by a commit: the steps of an unfinished step 1–6 (nothing was
authorized, nothing sold), or the steps after the last durable event of a sequence; it never loses a step
that led to a committed authorization, fill or sale.
"""

from __future__ import annotations

from collections.abc import Callable

from station.ledger.sequence_log import StepRow


class StepLog:
    """Steps by sequence, in the order they happened; touched only on the event loop (no lock needed)."""

    def __init__(self) -> None:
        self._pending: dict[str, list[StepRow]] = {}

    def append(self, row: StepRow) -> None:
        """Keep one step until an event of its sequence carries it; returns at once, never touches the database."""
        self._pending.setdefault(row.sequence_id, []).append(row)

    def take(self, sequence_id: str, live: Callable[[str], bool] = lambda _s: True) -> list[StepRow]:
        """The sequence's buffered steps, and those of sequences no longer ``live``, for one ledger call.

        The caller gives them back with :meth:`put_back` if its call fails."""
        rows = self._pending.pop(sequence_id, [])
        for other in [s for s in self._pending if not live(s)]:
            rows = self._pending.pop(other) + rows  # older: the ended sequence's steps came first
        return rows

    def put_back(self, rows: list[StepRow]) -> None:
        """Steps whose ledger call failed: in front of any buffered since, so the order is kept."""
        for row in reversed(rows):
            self._pending.setdefault(row.sequence_id, []).insert(0, row)

    def take_all(self) -> list[StepRow]:
        rows = [row for rows in self._pending.values() for row in rows]
        self._pending.clear()
        return rows

    def pending(self, sequence_id: str | None = None) -> int:
        if sequence_id is not None:
            return len(self._pending.get(sequence_id, []))
        return sum(len(rows) for rows in self._pending.values())
