"""The invoice desk (发票): what the desk screen calls to request, list and reverse digital invoices.

No Textual here. A request comes from a receipt's scanned QR link or from its number and amount typed at the
desk, with the buyer's name, tax number (a company) or none (a person) and e-mail; the ledger records it and
the worker (:mod:`.invoice_worker`) sends it. The receipts' QR links are made here too (:func:`receipt_qr`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from station.core.lanes import CoreRefused
from station.ledger.invoice_link import InvoiceLink, make_link
from station.ledger.invoice_views import Buyer, InvoiceView
from station.ledger.staff import Actor
from station.printouts.receipt import FillReceipt, Receipt, RechargeReceipt

if TYPE_CHECKING:
    from station.config import Settings
    from station.core.station import StationCore
    from station.ledger.services import Ledger

# The states a desk list may ask for; "open" ones still wait for the platform.
OPEN_STATES = ("requested", "reversing")


def receipt_qr(ledger: Ledger, settings: Settings) -> Callable[[Receipt], str]:
    """The QR link printed on a sale's or a recharge's receipt (nothing on a shift report)."""
    key = ledger.invoice_link_key
    base = settings.invoices.request_url

    def qr_for(receipt: Receipt) -> str:
        if not isinstance(receipt, FillReceipt | RechargeReceipt) or not receipt.receipt_no.isdigit():
            return ""
        link = InvoiceLink(receipt.station_code, int(receipt.receipt_no), receipt.amount_fen)
        return make_link(base, key, link)

    return qr_for


def _receipt_number(text: str | int) -> int:
    value = str(text).strip()
    if not value.isdigit() or len(value) > 15:
        raise CoreRefused("invoice_receipt_number")
    return int(value)


class InvoiceDesk:
    """Invoice requests at the desk. Attendant calls act as the logged-in attendant; reversal needs a manager."""

    def __init__(self, core: StationCore) -> None:
        self.core = core

    def _attendant(self) -> Actor:
        if self.core.actor is None:
            raise CoreRefused("not_logged_in")
        return self.core.actor

    async def request_from_qr(self, payload: str, buyer: Buyer) -> InvoiceView:
        """The driver's receipt QR scanned (or its link typed): refused if altered, another station's, or
        already invoiced."""
        if not payload.strip() or len(payload) > 512:
            raise CoreRefused("invoice_link_invalid", why="empty or too long")
        return await self.core._db(self.core.ledger.request_invoice_from_link, self._attendant(), payload, buyer)

    async def request_for_receipt(self, receipt_no: str | int, amount_fen: int, buyer: Buyer) -> InvoiceView:
        """Typed at the desk: the receipt's number and the amount it shows (both must match the books)."""
        number = _receipt_number(receipt_no)
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
            raise CoreRefused("amount_not_positive")
        return await self.core._db(self.core.ledger.request_invoice, self._attendant(), number, amount_fen, buyer)

    async def resubmit(self, receipt_no: str | int, buyer: Buyer) -> InvoiceView:
        """A request the platform refused, sent again with the buyer corrected."""
        number = _receipt_number(receipt_no)
        return await self.core._db(self.core.ledger.resubmit_invoice, self._attendant(), number, buyer)

    async def requests(self, states: tuple[str, ...] = (), limit: int = 100) -> list[InvoiceView]:
        """The latest requests first (``states``: only those, e.g. :data:`OPEN_STATES`)."""
        return await self.core._db(self.core.ledger.invoices, states, limit)

    async def detail(self, receipt_no: str | int) -> InvoiceView:
        """One request with every state change (who, when)."""
        return await self.core._db(self.core.ledger.invoice, _receipt_number(receipt_no))

    async def manager(self, number: str, pin: str) -> Actor:
        """A manager's credentials for one reversal; an attendant's are refused (``manager_only``)."""
        if not number.strip() or not pin:
            raise CoreRefused("input_empty")
        return await self.core.manager(number, pin)

    async def reverse(self, manager: Actor, receipt_no: str | int, reason: str) -> InvoiceView:
        """Manager: reverse an issued invoice (红字); the worker sends the reversal."""
        number = _receipt_number(receipt_no)
        return await self.core._db(self.core.ledger.request_reversal, manager, number, reason)
