"""One interface for every payment-code provider: pay, query, reverse (撤销), refund, by the station's order number.

Every call is keyed by the order number the ledger stored before the call, so asking again after a lost reply
finds the same payment, never a second one. "No answer" (connection refused, timeout, reply lost) raises
:class:`ProviderUnavailable`: the outcome is unknown and the caller asks again with :meth:`query`. A decline is
an answer (``PayState.FAILED``), not an exception.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class PayState(enum.Enum):
    PAID = "paid"
    USER_PAYING = "user_paying"  # the driver is entering the password on the phone: ask again shortly
    FAILED = "failed"  # declined, or the code is invalid/expired: nothing was taken
    NOT_PAID = "not_paid"  # the provider has the order but no money (closed, never paid)
    REVERSED = "reversed"  # 撤销 done: no money taken, or given back in full
    UNKNOWN_ORDER = "unknown_order"  # the provider never saw this order number


class ProviderUnavailable(Exception):
    """No answer: the request may or may not have been taken (ask again by its order number)."""


@dataclass(frozen=True)
class PayRequest:
    order_no: str
    auth_code: str  # the scanned payment code, ASCII digits (station.payments.codes.route)
    amount_fen: int
    description: str  # what the driver's phone shows, e.g. "CNG 加气 15.23kg"


@dataclass(frozen=True)
class PayResult:
    state: PayState
    provider_txn_id: str = ""  # the provider's own transaction number, once it has one
    amount_fen: int = 0  # what the provider says was paid (0 when not paid)
    message: str = ""  # the provider's words, for the log; never shown as a reason to pay


@dataclass(frozen=True)
class RefundResult:
    done: bool  # False: the provider refused (the message says why)
    refund_id: str = ""
    message: str = ""


class PaymentProvider(Protocol):
    name: str  # "wechat" | "alipay": the ledger's provider and clearing account

    async def pay(self, request: PayRequest) -> PayResult: ...

    async def query(self, order_no: str) -> PayResult: ...

    async def reverse(self, order_no: str) -> PayResult:
        """REVERSED or UNKNOWN_ORDER: nothing is (or stays) taken. FAILED is NOT that: the provider refused the
        reverse (too late, already refunded…), so the money may be there: query again before calling it final."""
        ...

    async def refund(self, order_no: str, refund_no: str, amount_fen: int, total_fen: int) -> RefundResult: ...

    async def aclose(self) -> None: ...
