"""WeChat Pay API v3, payment code (付款码) endpoints, with httpx: pay, query, reverse (撤销), refund.

Only the subset the station uses; the request is signed by :func:`station.payments.signing.wechat_authorization`.
Amounts are integer fen both ways (v3 speaks fen). A 5xx answer or no answer is :class:`ProviderUnavailable`.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from station.payments.provider import PayRequest, PayResult, PayState, ProviderUnavailable, RefundResult
from station.payments.signing import (
    WECHAT_REPLY_NONCE,
    WECHAT_REPLY_SIGNATURE,
    WECHAT_REPLY_TIMESTAMP,
    verify,
    wechat_authorization,
    wechat_reply_message,
)

CODEPAY = "/v3/pay/transactions/codepay"
BY_ORDER = "/v3/pay/transactions/out-trade-no/{order_no}"
REFUNDS = "/v3/refund/domestic/refunds"
# trade_state of a query -> what it means for the sale.
_TRADE_STATES = {
    "SUCCESS": PayState.PAID,
    "REFUND": PayState.PAID,  # paid, and (part) refunded since: the sale stands
    "USERPAYING": PayState.USER_PAYING,
    "PAYERROR": PayState.FAILED,
    "NOTPAY": PayState.NOT_PAID,
    "CLOSED": PayState.NOT_PAID,
    "REVOKED": PayState.REVERSED,
}


class WeChatPay:
    name = "wechat"

    def __init__(
        self,
        base_url: str,
        *,
        mchid: str,
        appid: str,
        serial_no: str,
        key: rsa.RSAPrivateKey,
        store_id: str = "",
        timeout_s: float = 10.0,
        platform_key: rsa.RSAPublicKey | None = None,
    ) -> None:
        # The platform's public key: given, a reply it did not sign is no answer at all (never a "paid").
        self._platform_key = platform_key
        self._mchid, self._appid, self._serial_no, self._key, self._store_id = mchid, appid, serial_no, key, store_id
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _send(self, method: str, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
        text = "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        auth = wechat_authorization(
            self._key,
            mchid=self._mchid,
            serial_no=self._serial_no,
            method=method,
            url=url,
            timestamp=str(int(time.time())),
            nonce=secrets.token_hex(16),
            body=text,
        )
        headers = {"Authorization": auth, "Accept": "application/json", "Content-Type": "application/json"}
        try:
            reply = await self._client.request(method, url, content=text.encode("utf-8"), headers=headers)
        except httpx.TransportError as exc:  # refused, timed out, reply lost: the outcome is unknown
            raise ProviderUnavailable(f"wechat {method} {url}: {type(exc).__name__}") from exc
        if reply.status_code >= 500 or reply.status_code == 429:  # busy or rate-limited: ask again later
            raise ProviderUnavailable(f"wechat {method} {url}: HTTP {reply.status_code}")
        return reply

    async def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        reply = await self._send(method, url, body)
        if self._platform_key is not None:
            headers = reply.headers
            stamp, nonce = headers.get(WECHAT_REPLY_TIMESTAMP, ""), headers.get(WECHAT_REPLY_NONCE, "")
            message = wechat_reply_message(stamp, nonce, reply.text)
            if not verify(self._platform_key, message, headers.get(WECHAT_REPLY_SIGNATURE, "")):
                raise ProviderUnavailable(f"wechat {method} {url}: reply not signed by the platform")
        try:
            data = reply.json() if reply.content else {}
        except ValueError as exc:
            raise ProviderUnavailable(f"wechat {method} {url}: not JSON") from exc
        return reply.status_code, data if isinstance(data, dict) else {}

    @staticmethod
    def _paid(data: dict[str, Any]) -> PayResult:
        amount = data.get("amount") or {}
        total = amount.get("payer_total", amount.get("total", 0))
        return PayResult(PayState.PAID, str(data.get("transaction_id", "")), int(total), "SUCCESS")

    async def pay(self, request: PayRequest) -> PayResult:
        body = {
            "appid": self._appid,
            "mchid": self._mchid,
            "description": request.description[:127],
            "out_trade_no": request.order_no,
            "payer": {"auth_code": request.auth_code},
            "amount": {"total": request.amount_fen, "currency": "CNY"},
            "scene_info": {"store_info": {"out_id": self._store_id}},
        }
        status, data = await self._call("POST", CODEPAY, body)
        if status == 200 and data.get("trade_state") == "SUCCESS":
            return self._paid(data)
        code = str(data.get("code", data.get("trade_state", "")))
        if code == "USERPAYING" or status == 202:
            return PayResult(PayState.USER_PAYING, message=code)
        return PayResult(PayState.FAILED, message=f"{code}: {data.get('message', '')}")

    async def query(self, order_no: str) -> PayResult:
        status, data = await self._call("GET", f"{BY_ORDER.format(order_no=order_no)}?mchid={self._mchid}")
        if status == 404:
            return PayResult(PayState.UNKNOWN_ORDER, message=str(data.get("code", "")))
        state = _TRADE_STATES.get(str(data.get("trade_state", "")))
        if status != 200 or state is None:
            raise ProviderUnavailable(f"wechat query {order_no}: HTTP {status} {data.get('code', '')}")
        return self._paid(data) if state is PayState.PAID else PayResult(state, message=str(data["trade_state"]))

    async def reverse(self, order_no: str) -> PayResult:
        url = f"{BY_ORDER.format(order_no=order_no)}/reverse"
        status, data = await self._call("POST", url, {"mchid": self._mchid, "appid": self._appid})
        if status in (200, 204):
            return PayResult(PayState.REVERSED)
        if status == 404:
            return PayResult(PayState.UNKNOWN_ORDER, message=str(data.get("code", "")))
        return PayResult(PayState.FAILED, message=f"{data.get('code', '')}: {data.get('message', '')}")

    async def refund(self, order_no: str, refund_no: str, amount_fen: int, total_fen: int) -> RefundResult:
        body = {
            "out_trade_no": order_no,
            "out_refund_no": refund_no,
            "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"},
        }
        status, data = await self._call("POST", REFUNDS, body)
        if status == 200 and data.get("status") in ("SUCCESS", "PROCESSING"):
            return RefundResult(True, str(data.get("refund_id", "")), str(data["status"]))
        return RefundResult(False, message=f"{data.get('code', '')}: {data.get('message', '')}")

    async def statement(self, day: dt.date) -> str:
        """The trade bill (交易账单) of ``day``, all trades: its link asked for, then the file fetched, both signed."""
        status, data = await self._call("GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL")
        link = str(data.get("download_url", ""))
        if status != 200 or not link:
            raise ProviderUnavailable(f"wechat bill {day}: HTTP {status} {data.get('code', '')}")
        parts = httpx.URL(link)
        reply = await self._send("GET", parts.raw_path.decode("ascii"))
        if reply.status_code != 200:
            raise ProviderUnavailable(f"wechat bill file {day}: HTTP {reply.status_code}")
        return reply.text
