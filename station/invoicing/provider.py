"""The invoicing provider behind one interface (issue, query, red-letter reversal), and its httpx adapter.

Every call is idempotent by the request's own number (``request_no``): issuing again after a lost reply
returns the invoice already issued, never a second one. "No answer" (down, timeout, reply lost) raises
:class:`ProviderUnavailable`, and the worker tries again later; a refusal is an answer (state ``rejected``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from station.invoicing.signing import signed_headers

IssueState = Literal["issued", "rejected", "unknown"]


class ProviderUnavailable(Exception):
    """No answer from the platform: the request may or may not have been taken (ask again by its number)."""


@dataclass(frozen=True)
class IssueRequest:
    request_no: str
    station_code: str
    receipt_no: int
    seller_tax_no: str
    buyer_name: str
    buyer_tax_no: str  # empty: a personal buyer
    buyer_email: str
    goods_name: str
    tax_code: str
    rate_centi_percent: int
    amount_fen: int
    net_fen: int
    tax_fen: int


@dataclass(frozen=True)
class IssueResult:
    state: IssueState
    invoice_no: str = ""
    message: str = ""


@dataclass(frozen=True)
class ReversalResult:
    red_invoice_no: str


class InvoicingProvider(Protocol):
    async def issue(self, request: IssueRequest) -> IssueResult: ...

    async def query(self, request_no: str) -> IssueResult: ...

    async def reverse(self, request_no: str, invoice_no: str, reason: str) -> ReversalResult: ...


def issue_body(request: IssueRequest) -> dict[str, Any]:
    return {
        "request_no": request.request_no,
        "station": request.station_code,
        "receipt_no": request.receipt_no,
        "seller": {"tax_no": request.seller_tax_no},
        "buyer": {"name": request.buyer_name, "tax_no": request.buyer_tax_no, "email": request.buyer_email},
        "items": [
            {
                "name": request.goods_name,
                "tax_code": request.tax_code,
                "rate": request.rate_centi_percent,
                "amount_fen": request.net_fen,
                "tax_fen": request.tax_fen,
            }
        ],
        "total_fen": request.amount_fen,
    }


class HttpInvoicingProvider:
    """The platform's JSON API over httpx, each request signed (``X-Signature``)."""

    def __init__(self, base_url: str, app_id: str, key: bytes, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self._key = key
        self.timeout = timeout

    async def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = signed_headers(self._key, self.app_id, "POST", path, int(time.time()), body)
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                reply = await client.post(self.base_url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:  # connect error, timeout, connection closed without a reply
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if reply.status_code >= 500:
            raise ProviderUnavailable(f"the platform answered HTTP {reply.status_code}")
        try:
            data = reply.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"not a JSON answer (HTTP {reply.status_code})") from exc
        if reply.status_code != 200 or not isinstance(data, dict):
            raise ProviderUnavailable(f"HTTP {reply.status_code}: {data!r}")
        return data

    @staticmethod
    def _result(data: dict[str, Any]) -> IssueResult:
        state = data.get("state")
        if data.get("code") == "0" and state == "issued":
            return IssueResult("issued", str(data.get("invoice_no", "")))
        if state == "rejected" or data.get("code") == "REJECTED":
            return IssueResult("rejected", message=str(data.get("message", "")))
        if state == "unknown":
            return IssueResult("unknown")
        raise ProviderUnavailable(f"an answer without a state: {data!r}")

    async def issue(self, request: IssueRequest) -> IssueResult:
        return self._result(await self._call("/v1/invoices/issue", issue_body(request)))

    async def query(self, request_no: str) -> IssueResult:
        return self._result(await self._call("/v1/invoices/query", {"request_no": request_no}))

    async def reverse(self, request_no: str, invoice_no: str, reason: str) -> ReversalResult:
        data = await self._call(
            "/v1/invoices/red", {"request_no": request_no, "invoice_no": invoice_no, "reason": reason}
        )
        if data.get("code") != "0" or not data.get("red_invoice_no"):
            raise ProviderUnavailable(f"the reversal was not done: {data.get('message', data)!r}")
        return ReversalResult(str(data["red_invoice_no"]))
