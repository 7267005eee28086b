"""What the ledger says about an invoice request: the buyer, the invoice and its history, as plain values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from station.ledger.errors import InvalidInput
from station.ledger.models_invoices import Invoice, InvoiceEvent
from station.ledger.tax_numbers import normalise_tax_number, valid_tax_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Buyer:
    """购买方: a company (name and tax number) or a person (a name, no tax number); e-mail to send it to."""

    name: str
    tax_no: str = ""
    email: str = ""

    def checked(self) -> Buyer:
        name = self.name.strip()
        tax_no = normalise_tax_number(self.tax_no)
        email = self.email.strip()
        if not name or len(name) > 100:
            raise InvalidInput("invoice_buyer_name")
        if tax_no and not valid_tax_number(tax_no):
            raise InvalidInput("invoice_tax_number", tax_no=tax_no)
        if email and (len(email) > 120 or not _EMAIL.match(email)):
            raise InvalidInput("invoice_email", email=email)
        return Buyer(name, tax_no, email)


@dataclass(frozen=True)
class InvoiceEventView:
    at: dt.datetime
    actor_id: int | None  # None: the invoicing worker
    from_state: str
    to_state: str
    note: str


@dataclass(frozen=True)
class InvoiceView:
    id: int
    receipt_no: int
    kind: str  # fill | recharge
    amount_fen: int
    net_fen: int
    tax_fen: int
    rate_centi_percent: int
    tax_code: str
    buyer: Buyer
    state: str
    request_no: str
    provider_invoice_no: str | None
    red_invoice_no: str | None
    reason: str
    requested_at: dt.datetime
    tries: int
    events: tuple[InvoiceEventView, ...] = ()


def invoice_view(row: Invoice, events: list[InvoiceEvent] | None = None) -> InvoiceView:
    return InvoiceView(
        id=row.id,
        receipt_no=row.receipt_no,
        kind=row.kind,
        amount_fen=row.amount_fen,
        net_fen=row.net_fen,
        tax_fen=row.tax_fen,
        rate_centi_percent=row.rate_centi_percent,
        tax_code=row.tax_code,
        buyer=Buyer(row.buyer_name, row.buyer_tax_no, row.buyer_email),
        state=row.state,
        request_no=row.request_no,
        provider_invoice_no=row.provider_invoice_no,
        red_invoice_no=row.red_invoice_no,
        reason=row.reason,
        requested_at=row.requested_at,
        tries=row.tries,
        events=tuple(InvoiceEventView(e.at, e.actor_id, e.from_state, e.to_state, e.note) for e in events or ()),
    )
