"""The invoicing worker: sends the ledger's due invoice requests and reversals to the platform, records answers.

Asynchronous to the desk: a request is recorded first (``requested``) and this worker sends it, now or after
any number of restarts, since what is due is read from the database each round. Calls are idempotent by the
request's number; after an unanswered call the worker asks the platform (query) before issuing again, so a lost
reply never makes a second invoice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from station.config import Settings
from station.invoicing.provider import HttpInvoicingProvider, InvoicingProvider, IssueRequest, ProviderUnavailable
from station.invoicing.signing import KeyFileError, load_key
from station.ledger.invoice_views import InvoiceView
from station.ledger.services import Ledger

log = logging.getLogger(__name__)
T = TypeVar("T")


def provider_from_settings(settings: Settings) -> HttpInvoicingProvider | None:
    """The configured platform, or None when ``[invoices] provider_url`` is empty (requests wait)."""
    cfg = settings.invoices
    if not cfg.provider_url:
        return None
    key = load_key(Path(cfg.provider_key_file))  # KeyFileError names the file
    return HttpInvoicingProvider(cfg.provider_url, cfg.provider_app_id, key, cfg.provider_timeout_seconds)


class InvoiceWorker:
    def __init__(self, ledger: Ledger, settings: Settings, provider: InvoicingProvider) -> None:
        self.ledger = ledger
        self.settings = settings
        self.provider = provider

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    def _issue_request(self, view: InvoiceView) -> IssueRequest:
        cfg = self.settings.invoices
        return IssueRequest(
            request_no=view.request_no,
            station_code=self.settings.station.code,
            receipt_no=view.receipt_no,
            seller_tax_no=cfg.seller_tax_no,
            buyer_name=view.buyer.name,
            buyer_tax_no=view.buyer.tax_no,
            buyer_email=view.buyer.email,
            goods_name=cfg.goods_name,
            tax_code=view.tax_code,
            rate_centi_percent=view.rate_centi_percent,
            amount_fen=view.amount_fen,
            net_fen=view.net_fen,
            tax_fen=view.tax_fen,
        )

    async def _send(self, view: InvoiceView) -> None:
        if view.state == "reversing":
            red = await self.provider.reverse(view.request_no, view.provider_invoice_no or "", view.reason)
            await self._db(self.ledger.invoice_reversed, view.request_no, red.red_invoice_no)
            return
        result = None
        if view.tries:  # an earlier call went unanswered: it may have been issued already
            result = await self.provider.query(view.request_no)
        if result is None or result.state == "unknown":
            result = await self.provider.issue(self._issue_request(view))
        if result.state == "issued":
            await self._db(self.ledger.invoice_issued, view.request_no, result.invoice_no)
        elif result.state == "rejected":
            await self._db(self.ledger.invoice_failed, view.request_no, result.message or "rejected")
        else:
            raise ProviderUnavailable("the platform does not know the request after issuing it")

    async def _send_or_wait(self, view: InvoiceView) -> bool:
        """Send one; True if the platform answered, else the request waits for its next try."""
        try:
            await self._send(view)
        except ProviderUnavailable as exc:
            log.warning("invoice %s: no answer from the platform: %s", view.request_no, exc)
            await self._db(self.ledger.invoice_unanswered, view.request_no, self.settings.invoices.retry_seconds)
            return False
        return True

    async def run_once(self) -> int:
        """One round over what is due; the number of requests that got an answer."""
        answered = 0
        for view in await self._db(self.ledger.invoices_due):
            answered += await self._send_or_wait(view)
        return answered

    async def run(self, period: float = 5.0) -> None:
        """Forever, one round per period, until cancelled; a failing round is logged and the next one tried."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("invoicing round failed")
            await asyncio.sleep(period)


def invoice_worker_for(ledger: Ledger, settings: Settings) -> InvoiceWorker | None:
    """The station's worker when a platform is configured; a bad key file is logged and requests wait."""
    try:
        provider = provider_from_settings(settings)
    except KeyFileError as exc:
        log.error("invoicing is off: %s", exc)
        return None
    return None if provider is None else InvoiceWorker(ledger, settings, provider)
