"""The invoicing worker's side of an invoice request: what is due, and what the platform answered.

State lives in the database, so a restart resumes where it was: a request not yet issued (or a reversal not
yet done) is due again. Each answer is recorded against the request number the platform was given, and only
from the state it was sent in, so a late or repeated answer changes nothing twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from station.ledger.invoice_views import InvoiceView, invoice_view
from station.ledger.invoices import Invoices
from station.ledger.models_invoices import Invoice

_MAX_BACKOFF = 3600


class InvoiceStates(Invoices):
    def invoices_due(self, limit: int = 20) -> list[InvoiceView]:
        """Requests to send and reversals to do whose next try has come, oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(Invoice)
                .where(Invoice.state.in_(("requested", "reversing")), Invoice.next_try_at <= self.now())
                .order_by(Invoice.id)
                .limit(limit)
            )
            return [invoice_view(row) for row in rows]

    def _answered(self, request_no: str, from_state: str, to_state: str, note: str, **values: str) -> bool:
        with self._tx() as session:
            row = session.scalar(select(Invoice).where(Invoice.request_no == request_no).with_for_update())
            if row is None or row.state != from_state:
                return False  # already recorded (a repeated answer) or moved on meanwhile
            for name, value in values.items():
                setattr(row, name, value)
            self._move(session, row, to_state, None, note)
            return True

    def invoice_issued(self, request_no: str, invoice_no: str) -> bool:
        return self._answered(request_no, "requested", "issued", invoice_no, provider_invoice_no=invoice_no)

    def invoice_failed(self, request_no: str, reason: str) -> bool:
        return self._answered(request_no, "requested", "failed", reason, reason=reason)

    def invoice_reversed(self, request_no: str, red_invoice_no: str) -> bool:
        return self._answered(request_no, "reversing", "reversed", red_invoice_no, red_invoice_no=red_invoice_no)

    def invoice_unanswered(self, request_no: str, retry_seconds: int) -> None:
        """No answer (platform down, reply lost): try again later, waiting longer each time."""
        with self._tx() as session:
            row = session.scalar(select(Invoice).where(Invoice.request_no == request_no).with_for_update())
            if row is None or row.state not in ("requested", "reversing"):
                return
            row.tries += 1
            wait = min(_MAX_BACKOFF, retry_seconds * 2 ** min(row.tries - 1, 10))
            row.next_try_at = self.now() + dt.timedelta(seconds=wait)
