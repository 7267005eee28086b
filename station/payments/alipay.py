"""Alipay open API with httpx: ``alipay.trade.pay`` (scene ``bar_code``), ``query``, ``cancel`` (撤销), ``refund``.

Requests are form posts to the gateway, signed RSA2 over the sorted parameters
(:func:`station.payments.signing.alipay_content`). Alipay speaks yuan as text ("15.23"): converted to and from
integer fen by :mod:`station.money`, never through a float. Code 10000 is success, 10003 "waiting for the user",
40004 a business refusal (its ``sub_code`` says which), 20000 or a 5xx "unknown": :class:`ProviderUnavailable`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from station.money import MoneyFormatError, format_yuan, parse_yuan
from station.payments.provider import PayRequest, PayResult, PayState, ProviderUnavailable, RefundResult
from station.payments.signing import alipay_content, alipay_response_text, sign, verify

_BEIJING = ZoneInfo("Asia/Shanghai")  # the gateway reads the request's timestamp as Beijing time
_TRADE_STATUS = {
    "TRADE_SUCCESS": PayState.PAID,
    "TRADE_FINISHED": PayState.PAID,
    "WAIT_BUYER_PAY": PayState.USER_PAYING,
    "TRADE_CLOSED": PayState.NOT_PAID,
}


def _retryable(answer: dict[str, Any]) -> bool:
    """A refusal that only says "not now" (system busy): no answer about the money, so it is asked again."""
    return str(answer.get("sub_code", "")) in ("ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error")


def _fen(text: object) -> int:
    try:
        return parse_yuan(str(text), allow_zero=True)
    except MoneyFormatError:
        return 0


class Alipay:
    name = "alipay"

    def __init__(
        self,
        gateway_url: str,
        *,
        app_id: str,
        key: rsa.RSAPrivateKey,
        timeout_s: float = 10.0,
        platform_key: rsa.RSAPublicKey | None = None,
    ) -> None:
        self._gateway, self._app_id, self._key = gateway_url, app_id, key
        # Alipay's public key: given, a reply it did not sign is no answer at all (never a "paid").
        self._platform_key = platform_key
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        params = {
            "app_id": self._app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": dt.datetime.now(_BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params["sign"] = sign(self._key, alipay_content(params))
        try:
            reply = await self._client.post(self._gateway, data=params)
        except httpx.TransportError as exc:  # refused, timed out, reply lost: the outcome is unknown
            raise ProviderUnavailable(f"alipay {method}: {type(exc).__name__}") from exc
        if reply.status_code >= 500:
            raise ProviderUnavailable(f"alipay {method}: HTTP {reply.status_code}")
        name = method.replace(".", "_") + "_response"
        try:
            data = reply.json()
            answer = data[name]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderUnavailable(f"alipay {method}: no response object") from exc
        if self._platform_key is not None:
            signed = alipay_response_text(reply.text, name)
            if signed is None or not verify(self._platform_key, signed.encode("utf-8"), str(data.get("sign", ""))):
                raise ProviderUnavailable(f"alipay {method}: reply not signed by Alipay")
        if not isinstance(answer, dict) or str(answer.get("code")) == "20000" or _retryable(answer):
            raise ProviderUnavailable(f"alipay {method}: service unavailable")
        return answer

    @staticmethod
    def _why(answer: dict[str, Any]) -> str:
        return f"{answer.get('sub_code', answer.get('code', ''))}: {answer.get('sub_msg', answer.get('msg', ''))}"

    async def pay(self, request: PayRequest) -> PayResult:
        answer = await self._call(
            "alipay.trade.pay",
            {
                "out_trade_no": request.order_no,
                "scene": "bar_code",
                "auth_code": request.auth_code,
                "subject": request.description[:128],
                "total_amount": format_yuan(request.amount_fen),
            },
        )
        code = str(answer.get("code"))
        if code == "10000":
            return PayResult(PayState.PAID, str(answer.get("trade_no", "")), _fen(answer.get("total_amount")))
        if code == "10003":
            return PayResult(PayState.USER_PAYING, message="WAIT_BUYER_PAY")
        return PayResult(PayState.FAILED, message=self._why(answer))

    async def query(self, order_no: str) -> PayResult:
        answer = await self._call("alipay.trade.query", {"out_trade_no": order_no})
        if str(answer.get("code")) != "10000":
            if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return PayResult(PayState.UNKNOWN_ORDER, message="ACQ.TRADE_NOT_EXIST")
            raise ProviderUnavailable(f"alipay query {order_no}: {self._why(answer)}")
        status = str(answer.get("trade_status", ""))
        state = _TRADE_STATUS.get(status)
        if state is None:
            raise ProviderUnavailable(f"alipay query {order_no}: trade_status {status!r}")
        if state is PayState.PAID:
            return PayResult(state, str(answer.get("trade_no", "")), _fen(answer.get("total_amount")), status)
        return PayResult(state, message=status)

    async def reverse(self, order_no: str) -> PayResult:
        answer = await self._call("alipay.trade.cancel", {"out_trade_no": order_no})
        if str(answer.get("code")) == "10000":
            if answer.get("retry_flag") == "Y":  # not done yet: the caller asks again
                raise ProviderUnavailable(f"alipay cancel {order_no}: retry")
            return PayResult(PayState.REVERSED, message=str(answer.get("action", "")))
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return PayResult(PayState.UNKNOWN_ORDER, message="ACQ.TRADE_NOT_EXIST")
        return PayResult(PayState.FAILED, message=self._why(answer))

    async def refund(self, order_no: str, refund_no: str, amount_fen: int, total_fen: int) -> RefundResult:
        answer = await self._call(
            "alipay.trade.refund",
            {"out_trade_no": order_no, "refund_amount": format_yuan(amount_fen), "out_request_no": refund_no},
        )
        if str(answer.get("code")) == "10000":
            return RefundResult(True, str(answer.get("trade_no", "")), str(answer.get("fund_change", "")))
        return RefundResult(False, message=self._why(answer))

    async def statement(self, day: dt.date) -> str:
        """The business detail (业务明细) of ``day``: its link asked for, then the file fetched."""
        answer = await self._call(
            "alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": day.isoformat()}
        )
        link = str(answer.get("bill_download_url", ""))
        if str(answer.get("code")) != "10000" or not link:
            raise ProviderUnavailable(f"alipay bill {day}: {self._why(answer)}")
        try:
            reply = await self._client.get(link)
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"alipay bill {day}: {type(exc).__name__}") from exc
        if reply.status_code != 200:
            raise ProviderUnavailable(f"alipay bill {day}: HTTP {reply.status_code}")
        return reply.text
