"""Invoice requests (数电发票) at the desk: one per receipt, for its exact amount, under the prepaid-card rule.

A request names a receipt (a fill's or a recharge's) and its amount, as the receipt's QR link carries them.
The ledger checks the receipt exists with that amount, that it was not invoiced before, and the company's
prepaid-card rule (``[invoices] prepaid``): a stored-value card is invoiced either at its recharges or at the
fills it pays for, never both, so the other kind of receipt is refused. Internal and staff card fills bring no
revenue and are never invoiced. Sending requests to the platform is the worker's (:mod:`.invoice_states`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.invoice_link import BadInvoiceLink, link_key, verify_link
from station.ledger.invoice_views import Buyer, InvoiceView, invoice_view
from station.ledger.models import Card, CardType, Fill, ReceiptJob
from station.ledger.models_invoices import Invoice, InvoiceEvent, RechargeReceiptRow
from station.ledger.staff import Actor, Staff
from station.ledger.vat import split_tax


class Invoices(Staff):
    """Invoice requests, their list and history, and the manager's red-letter reversal (红字)."""

    @property
    def invoice_link_key(self) -> bytes:
        """The key of the receipts' QR check values, derived from the PIN key (never stored)."""
        return link_key(self._pin_key)

    def request_no(self, receipt_no: int, attempt: int) -> str:
        return f"{self.settings.station.code}-{receipt_no:08d}-{attempt}"

    def _receipt_sale(self, session: Session, receipt_no: int, amount_fen: int) -> tuple[str, int | None, int | None]:
        """(kind, fill id, entry id) of the receipt, after the amount and the prepaid rule are checked."""
        prepaid = self.settings.invoices.prepaid
        job = session.scalar(select(ReceiptJob).where(ReceiptJob.receipt_no == receipt_no))
        if job is not None:
            fill = session.get(Fill, job.fill_id)
            assert fill is not None
            if fill.amount_fen != amount_fen:
                raise Refused("invoice_amount_mismatch", receipt=receipt_no)
            card = session.get(Card, fill.card_id) if fill.card_id is not None else None
            if card is not None and card.card_type in (CardType.INTERNAL, CardType.STAFF):
                raise Refused("invoice_internal_use", receipt=receipt_no)
            if card is not None and card.card_type is CardType.STORED_VALUE and prepaid == "recharge":
                raise Refused("invoice_prepaid_at_recharge", receipt=receipt_no)
            return "fill", fill.id, None
        recharge = session.scalar(select(RechargeReceiptRow).where(RechargeReceiptRow.receipt_no == receipt_no))
        if recharge is None:
            raise NotFound("invoice_receipt_unknown", receipt=receipt_no)
        if recharge.amount_fen != amount_fen:
            raise Refused("invoice_amount_mismatch", receipt=receipt_no)
        if prepaid == "consumption":
            raise Refused("invoice_prepaid_at_consumption", receipt=receipt_no)
        return "recharge", None, recharge.entry_id

    def request_invoice(self, actor: Actor, receipt_no: int, amount_fen: int, buyer: Buyer) -> InvoiceView:
        """Record the request (state ``requested``); the worker sends it. A receipt is invoiced at most once."""
        buyer = buyer.checked()
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
            raise InvalidInput("amount_not_positive")
        cfg = self.settings.invoices
        try:
            with self._tx() as session:
                actor_id = self._actor(session, actor).id
                earlier = session.scalar(select(Invoice).where(Invoice.receipt_no == receipt_no))
                if earlier is not None:
                    raise Refused("invoice_already_requested", receipt=receipt_no, state=earlier.state)
                kind, fill_id, entry_id = self._receipt_sale(session, receipt_no, amount_fen)
                tax = split_tax(amount_fen, cfg.vat_rate_percent)
                now = self.now()
                row = Invoice(
                    receipt_no=receipt_no,
                    kind=kind,
                    fill_id=fill_id,
                    entry_id=entry_id,
                    amount_fen=amount_fen,
                    net_fen=tax.net_fen,
                    tax_fen=tax.tax_fen,
                    rate_centi_percent=cfg.vat_rate_percent,
                    tax_code=cfg.tax_code,
                    buyer_name=buyer.name,
                    buyer_tax_no=buyer.tax_no,
                    buyer_email=buyer.email,
                    state="requested",
                    request_no=self.request_no(receipt_no, 1),
                    attempt=1,
                    reason="",
                    tries=0,
                    next_try_at=now,
                    requested_at=now,
                    requested_by_id=actor_id,
                )
                session.add(row)
                session.flush()
                session.add(
                    InvoiceEvent(
                        invoice_id=row.id, at=now, actor_id=actor_id, from_state="", to_state="requested", note=""
                    )
                )
                self._audit(session, actor_id, "invoice_requested", receipt=receipt_no, amount_fen=amount_fen)
                return invoice_view(row)
        except IntegrityError:
            # Two desks asked for the same receipt at once: the unique receipt number let one through.
            raise Refused("invoice_already_requested", receipt=receipt_no, state="requested") from None

    def request_invoice_from_link(self, actor: Actor, payload: str, buyer: Buyer) -> InvoiceView:
        """The request from a receipt's scanned (or typed) QR link: its check value must match."""
        try:
            link = verify_link(self.invoice_link_key, payload, self.settings.station.code)
        except BadInvoiceLink as exc:
            raise Refused("invoice_link_invalid", why=str(exc)) from None
        return self.request_invoice(actor, link.receipt_no, link.amount_fen, buyer)

    def resubmit_invoice(self, actor: Actor, receipt_no: int, buyer: Buyer) -> InvoiceView:
        """A request the platform refused, with the buyer corrected, sent again under a new request number."""
        buyer = buyer.checked()
        with self._tx() as session:
            actor_id = self._actor(session, actor).id
            row = self._invoice_row(session, receipt_no)
            if row.state != "failed":
                raise Refused("invoice_not_failed", receipt=receipt_no, state=row.state)
            row.attempt += 1
            row.request_no = self.request_no(receipt_no, row.attempt)
            row.buyer_name, row.buyer_tax_no, row.buyer_email = buyer.name, buyer.tax_no, buyer.email
            self._move(session, row, "requested", actor_id, "resubmitted")
            return invoice_view(row)

    def request_reversal(self, manager: Actor, receipt_no: int, reason: str) -> InvoiceView:
        """Manager: reverse an issued invoice with a red-letter invoice (红字发票); the worker sends it."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            manager_id = self._actor(session, manager, manager=True).id
            row = self._invoice_row(session, receipt_no)
            if row.state != "issued":
                raise Refused("invoice_not_issued", receipt=receipt_no, state=row.state)
            row.reason = reason.strip()
            self._move(session, row, "reversing", manager_id, reason.strip())
            self._audit(session, manager_id, "invoice_reversal", receipt=receipt_no, reason=reason.strip())
            return invoice_view(row)

    def invoice(self, receipt_no: int) -> InvoiceView:
        """One request with its whole history."""
        with self._read() as session:
            row = self._invoice_row(session, receipt_no)
            events = session.scalars(
                select(InvoiceEvent).where(InvoiceEvent.invoice_id == row.id).order_by(InvoiceEvent.id)
            ).all()
            return invoice_view(row, list(events))

    def invoices(self, states: tuple[str, ...] = (), limit: int = 100) -> list[InvoiceView]:
        """The latest requests first, optionally only those in the given states."""
        with self._read() as session:
            query = select(Invoice).order_by(Invoice.id.desc()).limit(limit)
            if states:
                query = query.where(Invoice.state.in_(states))
            return [invoice_view(row) for row in session.scalars(query)]

    @staticmethod
    def _invoice_row(session: Session, receipt_no: int) -> Invoice:
        row = session.scalar(select(Invoice).where(Invoice.receipt_no == receipt_no))
        if row is None:
            raise NotFound("invoice_unknown", receipt=receipt_no)
        return row

    def _move(self, session: Session, row: Invoice, to_state: str, actor_id: int | None, note: str) -> None:
        """Every state change is an event row: who (None: the worker), when, from what to what."""
        now = self.now()
        session.add(
            InvoiceEvent(
                invoice_id=row.id, at=now, actor_id=actor_id, from_state=row.state, to_state=to_state, note=note
            )
        )
        row.state = to_state
        row.tries = 0
        row.next_try_at = now
