"""Receipt numbers and receipt jobs: every sale's receipt numbered and queued in the sale's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.errors import NotFound
from station.ledger.fills import Fills, FillView
from station.ledger.models import Fill, ReceiptJob, StationState


@dataclass(frozen=True)
class ReceiptJobView:
    """A sale's receipt job: the fill, its receipt number, and what the receipt says about the payment."""

    id: int
    fill: FillView
    receipt_no: int
    payment: str  # cash | card
    detail: dict[str, Any]


class Receipts(Fills):
    """The receipt counter and the queue of receipt jobs the printer spool has not taken yet."""

    def next_receipt_number(self) -> int:
        with self._tx() as session:
            return self._next_receipt_number(session)

    @staticmethod
    def _next_receipt_number(session: Session) -> int:
        row = session.get(StationState, "receipt_counter", with_for_update=True)
        if row is None:
            row = StationState(key="receipt_counter", value="0")
            session.add(row)
        value = int(row.value) + 1
        row.value = str(value)
        session.flush()
        return value

    def _receipt_job(self, session: Session, fill: Fill, payment: str, **detail: Any) -> int:
        """Number the sale's receipt and queue it, in the sale's transaction: no receipt number goes unused."""
        receipt_no = self._next_receipt_number(session)
        session.add(
            ReceiptJob(
                fill_id=fill.id,
                receipt_no=receipt_no,
                payment=payment,
                detail=json.dumps(detail, sort_keys=True, ensure_ascii=False),
                created_at=self.now(),
            )
        )
        session.flush()
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

    def mark_receipt_spooled(self, receipt_no: int) -> None:
        with self._tx() as session:
            job = session.scalar(select(ReceiptJob).where(ReceiptJob.receipt_no == receipt_no).with_for_update())
            if job is None:
                raise NotFound("receipt_unknown", receipt=receipt_no)
            if job.spooled_at is None:
                job.spooled_at = self.now()
