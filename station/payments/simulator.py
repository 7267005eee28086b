"""A payment provider simulator on loopback: the WeChat Pay v3 payment-code endpoints and the Alipay gateway
methods the adapters use, over one port, each request's RSA signature checked against the station's test keys.

Control (unsigned, loopback only): ``POST /control {"fault": "user_paying", "seconds": 5}`` (the next pay
waits for the driver for 5 s), ``"decline"``, ``"timeout"`` (the next pay is held ``seconds`` and never
answered, nothing taken), ``"lose_reply"`` (the next pay is taken, its reply dropped), ``"none"``.
``GET /control`` lists the orders. The books and their rules are :mod:`station.payments.sim_books`; the daily
bills (WeChat ``/v3/bill/tradebill``, Alipay ``alipay.data.dataservice.bill.downloadurl.query``) are laid out
by :mod:`station.payments.sim_bills`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from station.money import MoneyFormatError, format_yuan, parse_yuan
from station.payments.codes import Provider, RoutedCode, route
from station.payments.signing import (
    WECHAT_REPLY_NONCE,
    WECHAT_REPLY_SIGNATURE,
    WECHAT_REPLY_TIMESTAMP,
    alipay_content,
    parse_wechat_authorization,
    sign,
    verify,
    wechat_message,
    wechat_reply_message,
)
from station.payments.sim_bills import alipay_bill, wechat_bill
from station.payments.sim_books import Fault, SimBooks, SimOrder

TIME_WINDOW_S = 300
WECHAT_ORDER = "/v3/pay/transactions/out-trade-no/"
_WECHAT_STATES = {"paid": "SUCCESS", "paying": "USERPAYING", "declined": "PAYERROR", "reversed": "REVOKED"}
_ALIPAY_STATES = {"paid": "TRADE_SUCCESS", "paying": "WAIT_BUYER_PAY", "declined": "TRADE_CLOSED"}
_ALIPAY_STATES["reversed"] = "TRADE_CLOSED"


class _DropReply(Exception):
    """Close the connection without an answer (the fault "lose_reply", or "timeout" after its wait)."""


def _code_of(code: str, provider: Provider) -> bool:
    routed = route(code)
    return isinstance(routed, RoutedCode) and routed.provider is provider


class _Handler(BaseHTTPRequestHandler):
    server: PaymentSimulator

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the simulator runs beside a terminal UI

    def _answer(self, status: int, data: dict[str, Any] | str, *, kind: str = "") -> None:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        body = text.encode("utf-8")
        self.send_response(status)
        kind = kind or ("text/csv" if isinstance(data, str) else "application/json")
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/v3/"):  # WeChat signs every reply with its platform key
            stamp, nonce = str(int(time.time())), secrets.token_hex(16)
            self.send_header(WECHAT_REPLY_TIMESTAMP, stamp)
            self.send_header(WECHAT_REPLY_NONCE, nonce)
            signature = sign(self.server.platform_key, wechat_reply_message(stamp, nonce, text))
            self.send_header(WECHAT_REPLY_SIGNATURE, signature)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        if self.path == "/control":
            self._answer(200, {"orders": self.server.books.snapshot()})
        else:
            self._serve("GET", b"")

    def do_POST(self) -> None:
        raw = self._body()
        if self.path == "/control":
            try:
                payload = json.loads(raw or b"{}")
                self.server.books.set_fault(str(payload.get("fault", "none")), float(payload.get("seconds", 0)))
            except (ValueError, AttributeError) as exc:
                self._answer(400, {"error": str(exc)})
                return
            self._answer(200, {"ok": True})
            return
        self._serve("POST", raw)

    def _serve(self, method: str, raw: bytes) -> None:
        try:
            if self.path == "/gateway.do" and method == "POST":
                self._answer(200, self.server.alipay(raw), kind="application/json")
            elif self.path.startswith("/alipay-bill?") and method == "GET":  # a pre-signed link, as Alipay's
                day = urllib.parse.parse_qs(self.path.partition("?")[2]).get("date", [""])[0]
                self._answer(200, alipay_bill(self.server.books.on_day("alipay", day), day))
            elif self.path.startswith("/v3/"):
                if not self._wechat_signed(method, raw):
                    self._answer(401, {"code": "SIGN_ERROR", "message": "signature, time or nonce refused"})
                    return
                self._answer(*self.server.wechat(method, self.path, json.loads(raw) if raw else {}))
            else:
                self._answer(404, {"code": "NOT_FOUND"})
        except _DropReply:
            self.close_connection = True

    def _wechat_signed(self, method: str, raw: bytes) -> bool:
        fields = parse_wechat_authorization(self.headers.get("Authorization", "")) or {}
        stamp, nonce = fields.get("timestamp", ""), fields.get("nonce_str", "")
        sim = self.server
        if fields.get("mchid") != sim.mchid or not stamp.isdigit() or abs(time.time() - int(stamp)) > TIME_WINDOW_S:
            return False
        message = wechat_message(method, self.path, stamp, nonce, raw.decode("utf-8"))
        if not nonce or not verify(sim.wechat_key, message, fields.get("signature", "")):
            return False
        return not sim.books.seen_nonce(f"wx:{nonce}")


class PaymentSimulator(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a request held by the "timeout" fault must not hold up stop()

    def __init__(
        self,
        *,
        wechat_key: rsa.RSAPublicKey,
        alipay_key: rsa.RSAPublicKey,
        mchid: str = "1900000109",
        appid: str = "wxsimstation",
        alipay_app_id: str = "2021000000000001",
        platform_key: rsa.RSAPrivateKey | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.wechat_key, self.alipay_key = wechat_key, alipay_key
        # The providers' own key, signing every reply (one for both here); the station holds its public half.
        self.platform_key = platform_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.mchid, self.appid, self.alipay_app_id = mchid, appid, alipay_app_id
        self.books = SimBooks()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="payment-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def _pay_fault(self) -> Fault:
        fault = self.books.take_fault()
        if fault.kind == "timeout":
            time.sleep(fault.seconds or 30.0)
            raise _DropReply
        return fault

    # WeChat Pay v3 ---------------------------------------------------------------------------------------
    def wechat(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | str]:
        if method == "GET" and path.startswith(("/v3/bill/tradebill?", "/v3/billdownload/file?")):
            query = urllib.parse.parse_qs(path.partition("?")[2])
            day = query.get("bill_date", query.get("token", [""]))[0]
            if path.startswith("/v3/billdownload/"):
                return 200, wechat_bill(self.books.on_day("wechat", day), day, self.mchid, self.appid)
            return 200, {"download_url": f"{self.url}/v3/billdownload/file?token={day}", "hash_type": "SHA1"}
        if method == "POST" and path == "/v3/pay/transactions/codepay":
            return self._wechat_pay(body)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            amount = body.get("amount") or {}
            order, why = self.books.refund(
                "wechat", str(body.get("out_trade_no")), str(body.get("out_refund_no")), int(amount.get("refund", 0))
            )
            if order is None:
                return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
            if why:
                return 400, {"code": "INVALID_REQUEST", "message": why}
            return 200, {"refund_id": f"RF{order.txn_id}", "status": "SUCCESS"}
        if path.startswith(WECHAT_ORDER):
            order_no = path.removeprefix(WECHAT_ORDER).partition("?")[0]
            if method == "POST" and order_no.endswith("/reverse"):
                found = self.books.reverse("wechat", order_no.removesuffix("/reverse"))
                return (404, {"code": "ORDER_NOT_EXIST"}) if found is None else (200, {"appid": self.appid})
            if method == "GET" and "/" not in order_no:
                queried = self.books.query("wechat", order_no)
                return (404, {"code": "ORDER_NOT_EXIST"}) if queried is None else (200, self._wechat_order(queried))
        return 404, {"code": "NOT_FOUND"}

    def _wechat_order(self, order: SimOrder) -> dict[str, Any]:
        state = "REFUND" if order.state == "paid" and order.refunds else _WECHAT_STATES[order.state]
        data: dict[str, Any] = {"out_trade_no": order.order_no, "mchid": self.mchid, "trade_state": state}
        if order.state == "paid":
            data["transaction_id"] = order.txn_id
            data["amount"] = {"total": order.amount_fen, "payer_total": order.amount_fen, "currency": "CNY"}
        return data

    def _wechat_pay(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        code = str((body.get("payer") or {}).get("auth_code", ""))
        total = (body.get("amount") or {}).get("total")
        if body.get("mchid") != self.mchid or body.get("appid") != self.appid:
            return 400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid 与 mchid 不匹配"}
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0 or not body.get("out_trade_no"):
            return 400, {"code": "PARAM_ERROR", "message": "amount.total or out_trade_no"}
        if not _code_of(code, Provider.WECHAT):
            return 400, {"code": "AUTH_CODE_INVALID", "message": "付款码无效"}
        order = self.books.pay("wechat", str(body["out_trade_no"]), total, code, fault := self._pay_fault())
        if fault.kind == "lose_reply":
            raise _DropReply
        if order.state == "paying":
            return 202, {"code": "USERPAYING", "message": "需要用户输入支付密码"}
        if order.state == "declined":
            return 403, {"code": "NOTENOUGH", "message": "用户余额不足"}
        if order.state == "reversed":
            return 400, {"code": "ORDER_REVERSED", "message": "订单已撤销"}
        return 200, self._wechat_order(order)

    # Alipay gateway ------------------------------------------------------------------------------------
    def alipay(self, raw: bytes) -> str:
        """The reply's text: ``{"<method>_response": {…}, "sign": "…"}``, signed over the object's exact text."""
        answer = self._alipay_answer(raw)
        key, inner = next(iter(answer.items()))
        text = json.dumps(inner, ensure_ascii=False)
        signature = sign(self.platform_key, text.encode("utf-8"))
        return f'{{{json.dumps(key)}: {text}, "sign": {json.dumps(signature)}}}'

    def _alipay_answer(self, raw: bytes) -> dict[str, Any]:
        params = dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        method = params.get("method", "")
        key = method.replace(".", "_") + "_response"
        signed = verify(self.alipay_key, alipay_content(params), params.get("sign", ""))
        if not signed or params.get("app_id") != self.alipay_app_id or params.get("sign_type") != "RSA2":
            return {key: {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}}
        try:
            biz = json.loads(params.get("biz_content", "{}"))
        except ValueError:
            return {key: {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-biz-content"}}
        handler = {
            "alipay.trade.pay": self._alipay_pay,
            "alipay.trade.query": self._alipay_query,
            "alipay.trade.cancel": self._alipay_cancel,
            "alipay.trade.refund": self._alipay_refund,
            "alipay.data.dataservice.bill.downloadurl.query": self._alipay_bill_url,
        }.get(method)
        answer = handler(biz) if handler else _refusal("isv.invalid-method", "不存在的方法名")
        return {key: answer}

    def _alipay_order(self, order: SimOrder) -> dict[str, Any]:
        status = "TRADE_CLOSED" if order.state == "reversed" else _ALIPAY_STATES[order.state]
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": order.order_no,
            "trade_no": order.txn_id,
            "trade_status": status,
            "total_amount": format_yuan(order.amount_fen),
        }

    def _alipay_pay(self, biz: dict[str, Any]) -> dict[str, Any]:
        code = str(biz.get("auth_code", ""))
        try:
            total = parse_yuan(str(biz.get("total_amount", "")))
        except MoneyFormatError:
            return _refusal("ACQ.INVALID_PARAMETER", "total_amount")
        if biz.get("scene") != "bar_code" or not biz.get("out_trade_no"):
            return _refusal("ACQ.INVALID_PARAMETER", "scene or out_trade_no")
        if not _code_of(code, Provider.ALIPAY):
            return _refusal("ACQ.PAYMENT_AUTH_CODE_INVALID", "支付失败，获取顾客账户信息失败")
        order = self.books.pay("alipay", str(biz["out_trade_no"]), total, code, fault := self._pay_fault())
        if fault.kind == "lose_reply":
            raise _DropReply
        if order.state == "paying":
            return {"code": "10003", "msg": "order success pay inprocess", "out_trade_no": order.order_no}
        if order.state == "declined":
            return _refusal("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足")
        if order.state == "reversed":
            return _refusal("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        return self._alipay_order(order)

    def _alipay_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        order = self.books.query("alipay", str(biz.get("out_trade_no", "")))
        return self._alipay_order(order) if order else _refusal("ACQ.TRADE_NOT_EXIST", "交易不存在")

    def _alipay_cancel(self, biz: dict[str, Any]) -> dict[str, Any]:
        order = self.books.reverse("alipay", str(biz.get("out_trade_no", "")))
        if order is None:
            return _refusal("ACQ.TRADE_NOT_EXIST", "交易不存在")
        return {"code": "10000", "msg": "Success", "out_trade_no": order.order_no, "retry_flag": "N", "action": "close"}

    def _alipay_refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        try:
            amount = parse_yuan(str(biz.get("refund_amount", "")))
        except MoneyFormatError:
            return _refusal("ACQ.INVALID_PARAMETER", "refund_amount")
        order, why = self.books.refund(
            "alipay", str(biz.get("out_trade_no", "")), str(biz.get("out_request_no", "")), amount
        )
        if order is None:
            return _refusal("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if why:
            return _refusal("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" if why == "too_much" else "ACQ.TRADE_STATUS_ERROR", why)
        return {"code": "10000", "msg": "Success", "trade_no": order.txn_id, "fund_change": "Y"}

    def _alipay_bill_url(self, biz: dict[str, Any]) -> dict[str, Any]:
        if biz.get("bill_type") != "trade":
            return _refusal("isp.bill_type_invalid", "bill_type")
        day = urllib.parse.quote(str(biz.get("bill_date", "")))
        return {"code": "10000", "msg": "Success", "bill_download_url": f"{self.url}/alipay-bill?date={day}"}


def _refusal(sub_code: str, sub_msg: str) -> dict[str, Any]:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}
