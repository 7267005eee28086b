"""The payment simulator's books: orders by provider and order number, and the faults set on its control channel.

Both providers' endpoints (:mod:`station.payments.simulator`) share these rules, each in its own words:
a pay creates the order (or returns the one already there: same order number, same payment); "user paying for
N seconds" turns into success once N seconds have passed since the pay, seen at the next query; a reverse
(撤销) stops a paying order or gives a paid one back; a refund is kept by its refund number, at most the total.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

_BEIJING = ZoneInfo("Asia/Shanghai")  # the providers' bills run by the Beijing calendar day


def today() -> str:
    return dt.datetime.now(_BEIJING).date().isoformat()


# Faults for the NEXT pay request (one-shot, so a test sets up exactly the case it means).
FAULTS = ("none", "user_paying", "decline", "timeout", "lose_reply")


@dataclass
class SimOrder:
    provider: str
    order_no: str
    amount_fen: int
    auth_code: str
    state: str  # paying | paid | declined | reversed
    txn_id: str
    paying_until: float = 0.0  # monotonic time the driver "confirms" at
    refunds: dict[str, int] = field(default_factory=dict)  # refund number -> fen
    created_on: str = field(default_factory=today)  # the bill (对账单) day it is listed on
    refunded_on: dict[str, str] = field(default_factory=dict)  # refund number -> bill day

    @property
    def refunded_fen(self) -> int:
        return sum(self.refunds.values())


@dataclass
class Fault:
    kind: str = "none"
    seconds: float = 0.0


class SimBooks:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[tuple[str, str], SimOrder] = {}
        self.next_pay = Fault()
        self.nonces: set[str] = set()
        self.rejected_signatures = 0

    def set_fault(self, kind: str, seconds: float = 0.0) -> None:
        if kind not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}")
        with self.lock:
            self.next_pay = Fault(kind, seconds)

    def take_fault(self) -> Fault:
        with self.lock:
            fault, self.next_pay = self.next_pay, Fault()
            return fault

    def seen_nonce(self, nonce: str) -> bool:
        """True when ``nonce`` was used before (a replay); remembers it otherwise."""
        with self.lock:
            if nonce in self.nonces:
                return True
            self.nonces.add(nonce)
            return False

    def _advance(self, order: SimOrder) -> SimOrder:
        if order.state == "paying" and time.monotonic() >= order.paying_until:
            order.state = "paid"
        return order

    def pay(self, provider: str, order_no: str, amount_fen: int, auth_code: str, fault: Fault) -> SimOrder:
        with self.lock:
            found = self.orders.get((provider, order_no))
            if found is not None:
                return self._advance(found)
            state = {"user_paying": "paying", "decline": "declined"}.get(fault.kind, "paid")
            order = SimOrder(
                provider,
                order_no,
                amount_fen,
                auth_code,
                state,
                f"{provider[:2].upper()}{secrets.token_hex(10)}",
                time.monotonic() + fault.seconds,
            )
            self.orders[(provider, order_no)] = order
            return order

    def query(self, provider: str, order_no: str) -> SimOrder | None:
        with self.lock:
            order = self.orders.get((provider, order_no))
            return None if order is None else self._advance(order)

    def reverse(self, provider: str, order_no: str) -> SimOrder | None:
        with self.lock:
            order = self.orders.get((provider, order_no))
            if order is not None and order.state in ("paying", "paid"):
                order.state = "reversed"
            return order

    def refund(self, provider: str, order_no: str, refund_no: str, amount_fen: int) -> tuple[SimOrder | None, str]:
        """The order and "" when refunded (again, by the same refund number), else why not."""
        with self.lock:
            order = self.orders.get((provider, order_no))
            if order is None:
                return None, "not_found"
            self._advance(order)
            if order.state != "paid":
                return order, "not_paid"
            if refund_no not in order.refunds:
                if amount_fen <= 0 or order.refunded_fen + amount_fen > order.amount_fen:
                    return order, "too_much"
                order.refunds[refund_no] = amount_fen
                order.refunded_on[refund_no] = today()
            return order, ""

    def on_day(self, provider: str, day: str) -> list[SimOrder]:
        """The provider's orders with money moved on ``day``: paid that day, or refunded that day."""
        with self.lock:
            return [
                self._advance(o)
                for o in self.orders.values()
                if o.provider == provider and (o.created_on == day or day in o.refunded_on.values())
            ]

    def snapshot(self) -> list[dict[str, object]]:
        with self.lock:
            return [
                {
                    "provider": o.provider,
                    "order_no": o.order_no,
                    "amount_fen": o.amount_fen,
                    "state": self._advance(o).state,
                    "txn_id": o.txn_id,
                    "refunded_fen": o.refunded_fen,
                }
                for o in self.orders.values()
            ]
