"""Receipt numbers and receipt jobs: every sale's receipt numbered and queued in the sale's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from station.ledger.errors import NotFound
from station.ledger.fills import Fills, FillView
from station.ledger.models import Fill, ReceiptJob, StationState
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
        return receipt_no

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
