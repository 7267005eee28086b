"""A simulator of the invoicing platform: the JSON API of ``docs/protocols/invoicing.md`` on loopback.

It verifies each request's signature (and refuses a nonce seen before), issues invoice numbers idempotently by
request number, does red-letter reversals, and takes faults on ``POST /control`` (unsigned: loopback only):
``{"fault": "down"}`` answers 503, ``"slow"`` waits ``seconds`` before answering, ``"reject"`` refuses the
next issue with ``reason``, ``"lose_reply"`` issues the next invoice then drops the connection without a reply,
``"none"`` clears them. ``GET /control`` shows the invoices issued.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from station.invoicing.signing import HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, signature

TIME_WINDOW_S = 300


@dataclass
class Faults:
    down: bool = False
    slow_seconds: float = 0.0
    reject_reason: str = ""  # refuse the next issue with this reason
    lose_replies: int = 0  # drop this many replies (after doing the work)


@dataclass
class SimInvoice:
    request_no: str
    invoice_no: str
    body: dict[str, Any]
    red_invoice_no: str = ""


@dataclass
class PlatformState:
    invoices: dict[str, SimInvoice] = field(default_factory=dict)  # by request number
    rejected: dict[str, str] = field(default_factory=dict)  # request number -> reason
    nonces: set[str] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _DropReply(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the simulator runs beside a terminal UI

    def _answer(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != "/control":
            self._answer(404, {"code": "NOT_FOUND"})
            return
        state = self.server.state
        with state.lock:
            issued = {k: {"invoice_no": v.invoice_no, "red": v.red_invoice_no} for k, v in state.invoices.items()}
        self._answer(200, {"invoices": issued})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            self._answer(400, {"code": "BAD_JSON"})
            return
        if self.path == "/control":
            self._answer(200, self.server.control(payload))
            return
        faults = self.server.state.faults
        if faults.slow_seconds:
            time.sleep(faults.slow_seconds)
        if faults.down:
            self._answer(503, {"code": "DOWN", "message": "platform unavailable"})
            return
        if not self._signed(raw):
            self._answer(401, {"code": "BAD_SIGNATURE", "message": "signature, time or nonce refused"})
            return
        try:
            status, data = self.server.serve(self.path, payload)
        except _DropReply:
            self.close_connection = True
            return
        self._answer(status, data)

    def _signed(self, raw: bytes) -> bool:
        stamp = self.headers.get(HEADER_TIME, "")
        nonce = self.headers.get(HEADER_NONCE, "")
        given = self.headers.get(HEADER_SIGNATURE, "")
        if not stamp.isdigit() or not nonce or abs(time.time() - int(stamp)) > TIME_WINDOW_S:
            return False
        expected = signature(self.server.key, "POST", self.path, stamp, nonce, raw)
        state = self.server.state
        with state.lock:
            if nonce in state.nonces or not hmac.compare_digest(given, expected):
                return False
            state.nonces.add(nonce)
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], key: bytes) -> None:
        super().__init__(address, _Handler)
        self.key = key
        self.state = PlatformState()

    def control(self, payload: dict[str, Any]) -> dict[str, Any]:
        faults = self.state.faults
        fault = payload.get("fault")
        with self.state.lock:
            if fault == "none":
                self.state.faults = Faults()
            elif fault == "down":
                faults.down = True
            elif fault == "slow":
                faults.slow_seconds = float(payload.get("seconds", 2))
            elif fault == "reject":
                faults.reject_reason = str(payload.get("reason") or "购买方信息有误")
            elif fault == "lose_reply":
                faults.lose_replies += int(payload.get("count", 1))
            else:
                return {"code": "BAD_FAULT", "message": f"unknown fault {fault!r}"}
        return {"code": "0"}

    def _drop(self) -> bool:
        with self.state.lock:
            if self.state.faults.lose_replies:
                self.state.faults.lose_replies -= 1
                return True
        return False

    def serve(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request_no = str(payload.get("request_no", ""))
        if not request_no:
            return 400, {"code": "BAD_REQUEST", "message": "request_no missing"}
        if path == "/v1/invoices/issue":
            answer = self._issue(request_no, payload)
        elif path == "/v1/invoices/query":
            answer = self._query(request_no)
        elif path == "/v1/invoices/red":
            answer = self._red(request_no, payload)
        else:
            return 404, {"code": "NOT_FOUND"}
        if self._drop():
            raise _DropReply  # the work is done; only the answer is lost
        return 200, answer

    def _issue(self, request_no: str, payload: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        with state.lock:
            done = state.invoices.get(request_no)
            if done is not None:  # idempotent: the same request issues one invoice, whatever is asked again
                return {"code": "0", "state": "issued", "invoice_no": done.invoice_no}
            if request_no in state.rejected:
                return {"code": "REJECTED", "state": "rejected", "message": state.rejected[request_no]}
            if state.faults.reject_reason:
                reason, state.faults.reject_reason = state.faults.reject_reason, ""
                state.rejected[request_no] = reason
                return {"code": "REJECTED", "state": "rejected", "message": reason}
            items = payload.get("items") or [{}]
            if payload.get("total_fen") != items[0].get("amount_fen", 0) + items[0].get("tax_fen", 0):
                return {"code": "REJECTED", "state": "rejected", "message": "价税合计不符"}
            state.counter += 1
            number = f"2637{state.counter:016d}"  # 20 digits, like a 数电票号码
            state.invoices[request_no] = SimInvoice(request_no, number, payload)
            return {"code": "0", "state": "issued", "invoice_no": number}

    def _query(self, request_no: str) -> dict[str, Any]:
        with self.state.lock:
            done = self.state.invoices.get(request_no)
            if done is not None:
                return {"code": "0", "state": "issued", "invoice_no": done.invoice_no}
            if request_no in self.state.rejected:
                return {"code": "0", "state": "rejected", "message": self.state.rejected[request_no]}
        return {"code": "0", "state": "unknown"}

    def _red(self, request_no: str, payload: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            done = self.state.invoices.get(request_no)
            if done is None or done.invoice_no != payload.get("invoice_no"):
                return {"code": "NOT_ISSUED", "message": "no such invoice"}
            if not done.red_invoice_no:
                self.state.counter += 1
                done.red_invoice_no = f"2637{self.state.counter:016d}"
            return {"code": "0", "red_invoice_no": done.red_invoice_no}


class InvoicingSimulator:
    """``start()`` serves on a thread; ``url`` is the API base for ``[invoices] provider_url``; ``stop()``."""

    def __init__(self, key: bytes, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), key)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def state(self) -> PlatformState:
        return self._server.state

    def control(self, **fault: Any) -> None:
        self._server.control(fault)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="invoicing-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
