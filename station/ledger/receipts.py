"""Receipt numbers and receipt jobs: every sale's receipt numbered and queued in the sale's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from station.ledger import outbox
from station.ledger.errors import NotFound
from station.ledger.fills import Fills, FillView
from station.ledger.models import Attendant, Card, CardType, Fill, JournalEntry, ReceiptJob, StationState
from station.ledger.sequence_log import StepRow, write_steps
from station.ledger.sql import DriverInsert, DriverSQL, fetch, insert_row, run, table


@dataclass(frozen=True)
class ReceiptJobView:
    """A sale's receipt job: the fill, its receipt number, and what the receipt says about the payment."""

    id: int
    fill: FillView
    receipt_no: int
    payment: str  # cash | card
    detail: dict[str, Any]


_STATE = table(StationState).c
# On the driver's cursor (see DriverSQL): the counter moved and read back in one statement.
_COUNT = DriverSQL(
    "UPDATE station_state SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR)"
    " WHERE key = 'receipt_counter' RETURNING value"
)
_INSERT_JOB = DriverInsert(ReceiptJob, ("fill_id", "receipt_no", "payment", "detail", "created_at"))


class Receipts(Fills):
    """The receipt counter and the queue of receipt jobs the printer spool has not taken yet."""

    def next_receipt_number(self) -> int:
        with self._tx() as session:
            return self._next_receipt_number(session)

    @staticmethod
    def _next_receipt_number(session: Session) -> int:
        # Core statements: no ORM object of the counter row is kept that a later read could find stale.
        counted = fetch(session, _COUNT)
        if counted:
            return int(counted[0][0])
        run(session, insert(table(StationState)), {"key": "receipt_counter", "value": "1"})
        return 1

    def _receipt_job(self, session: Session, fill_id: int, payment: str, **detail: Any) -> int:
        """Number the sale's receipt and queue it, in the sale's transaction: no receipt number goes unused."""
        receipt_no = self._next_receipt_number(session)
        insert_row(
            session,
            _INSERT_JOB,
            {
                "fill_id": fill_id,
                "receipt_no": receipt_no,
                "payment": payment,
                "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False),
                "created_at": self.now(),
            },
        )
        self._sale_event(session, fill_id, receipt_no, payment)
        return receipt_no

    def _sale_event(self, session: Session, fill_id: int, receipt_no: int, payment: str) -> None:
        """The sale, for head office, in the sale's own transaction (every sale has exactly one receipt job)."""
        fills, entries, cards, staff = table(Fill), table(JournalEntry), table(Card), table(Attendant)
        row = run(
            session,
            select(
                fills.c.dispenser,
                fills.c.nozzle,
                fills.c.transaction_number,
                fills.c.quantity_centi,
                fills.c.unit_price_fen,
                fills.c.amount_fen,
                entries.c.shift_id,
                cards.c.number,
                cards.c.card_type,
                staff.c.number,
            )
            .select_from(fills)
            .join(entries, entries.c.id == fills.c.sale_entry_id)
            .outerjoin(cards, cards.c.id == fills.c.card_id)
            .outerjoin(staff, staff.c.id == fills.c.attendant_id)
            .where(fills.c.id == fill_id),
        ).one()
        d, n, txn, quantity, price, amount, shift_id, card_no, card_type, attendant = tuple(row)
        mode = {"cash": "cash", "card": "card"}.get(payment, "mobile")
        if mode == "card" and card_type in (CardType.INTERNAL, CardType.INTERNAL.name, CardType.INTERNAL.value):
            mode = "internal"
        payload = {
            "receipt_no": receipt_no,
            "shift_id": shift_id,
            "attendant": attendant,
            "dispenser": d,
            "nozzle": n,
            "transaction_no": txn,
            "quantity_centi": quantity,
            "price_fen": price,
            "amount_fen": amount,
            "mode": mode,
            "card_no": card_no if mode in ("card", "internal") else None,
            "provider": payment if mode == "mobile" else None,
        }
        outbox.emit(session, "sale", receipt_no, payload, self.now())

    def unspooled_receipts(self) -> list[ReceiptJobView]:
        """Receipt jobs of committed sales that the printer spool does not have yet, oldest first."""
        with self._read() as session:
            jobs = session.scalars(select(ReceiptJob).where(ReceiptJob.spooled_at.is_(None)).order_by(ReceiptJob.id))
            views = []
            for job in jobs:
                fill = session.get(Fill, job.fill_id)
                assert fill is not None
                views.append(
                    ReceiptJobView(
                        job.id, self._fill_view(session, fill), job.receipt_no, job.payment, json.loads(job.detail)
                    )
                )
            return views

    def finish_sequence(self, spooled: Sequence[int], *, steps: Sequence[StepRow] = ()) -> None:
        """A sequence's finish: its last steps, and the receipts the spool took since the last finish, marked
        spooled, in one transaction."""
        if not steps and not spooled:
            return
        # No money, no safety decision: the commit need not wait for the disk (a restart looks in the spool
        # before printing an unmarked receipt again), so a fill costs three synced commits, not four.
        with self._lazy_tx() as session:
            write_steps(session, steps)
            if spooled:
                jobs = table(ReceiptJob)
                session.execute(
                    update(jobs)
                    .where(jobs.c.receipt_no.in_(list(spooled)), jobs.c.spooled_at.is_(None))
                    .values(spooled_at=self.now())
                )

    def mark_receipt_spooled(self, receipt_no: int) -> None:
        with self._tx() as session:
            job = session.scalar(select(ReceiptJob).where(ReceiptJob.receipt_no == receipt_no).with_for_update())
            if job is None:
                raise NotFound("receipt_unknown", receipt=receipt_no)
            if job.spooled_at is None:
                job.spooled_at = self.now()
