"""Scan-to-pay (付款码) for a fill, below the screen: the payment state machine the settle step calls.

    pay → paid: the sale is booked (once) and its receipt queued;
    pay → user paying (the driver types the password): query every few seconds within the window → paid;
    declined: nothing taken, the attendant offers cash or card;
    no answer or still paying when the window closes: reverse (撤销) until the provider confirms, then the
    attendant offers cash or card.

The order is committed before the provider is asked, so a crash anywhere leaves an order number:
:meth:`MobilePay.recover` (run at start-up) asks about every order not final and finishes it — paid is booked
once, anything else is reversed; money taken for a fill already paid is refunded. No Textual here.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from station.ledger.errors import LedgerError
from station.ledger.payment_orders import PaymentOrderView
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from station.payments.codes import CodeRefused, route
from station.payments.provider import PaymentProvider, PayRequest, PayResult, PayState, ProviderUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


class MobileOutcome(enum.Enum):
    PAID = "paid"
    DECLINED = "declined"  # the provider refused it: nothing taken → cash or card
    TIMED_OUT = "timed_out"  # no answer in time: reversed (撤销) → cash or card
    REFUSED = "refused"  # never sent: a bad code, mobile payment off, the fill already paid


@dataclass(frozen=True)
class MobilePayResult:
    outcome: MobileOutcome
    message_key: str  # station.i18n catalogue key for the attendant
    order_no: str = ""
    receipt_no: int = 0  # a paid sale's receipt job (0: none written now)
    provider: str = ""  # "wechat" | "alipay" once routed
    provider_txn: str = ""  # the provider's transaction id of a paid order


class MobilePay:
    """One per station core. ``providers`` by name ("wechat", "alipay"); empty: mobile payment off."""

    def __init__(
        self,
        ledger: Ledger,
        providers: Mapping[str, PaymentProvider],
        *,
        poll_seconds: float = 3.0,
        window_seconds: float = 60.0,
        reverse_tries: int = 5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ledger = ledger
        self.providers = dict(providers)
        self.poll_seconds = poll_seconds
        self.window_seconds = window_seconds
        self.reverse_tries = reverse_tries
        self._sleep = sleep
        self._monotonic = monotonic

    async def aclose(self) -> None:
        for provider in self.providers.values():
            await provider.aclose()

    @property
    def enabled(self) -> bool:
        return bool(self.providers)

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def pay_fill(
        self,
        actor: Actor,
        fill_id: int,
        scanned: str,
        description: str,
        on_user_paying: Callable[[], None] | None = None,
    ) -> MobilePayResult:
        """Take the fill's money by the scanned code. ``on_user_paying``: tell the screen to say "please wait"."""
        code = route(scanned)
        if isinstance(code, CodeRefused):
            return MobilePayResult(MobileOutcome.REFUSED, code.key)
        provider = self.providers.get(code.provider.value)
        if provider is None:
            return MobilePayResult(MobileOutcome.REFUSED, "pay.off")
        try:
            order = await self._db(self.ledger.create_payment_order, actor, fill_id, provider.name)
        except LedgerError as exc:
            return MobilePayResult(MobileOutcome.REFUSED, f"err.{exc.code}")
        request = PayRequest(order.order_no, code.code, order.amount_fen, description)
        deadline = self._monotonic() + self.window_seconds
        try:
            answer = await provider.pay(request)
        except ProviderUnavailable:
            answer = PayResult(PayState.USER_PAYING, message="no answer: asked again by query")
        while answer.state is PayState.USER_PAYING and self._monotonic() < deadline:
            if on_user_paying is not None:
                on_user_paying()
            await self._db(self.ledger.move_payment_order, order.order_no, "paying", answer.message)
            await self._sleep(self.poll_seconds)
            try:
                answer = await provider.query(order.order_no)
            except ProviderUnavailable:
                answer = PayResult(PayState.USER_PAYING, message="no answer to query")
        return await self._finish(provider, order, answer)

    async def _finish(self, provider: PaymentProvider, order: PaymentOrderView, answer: PayResult) -> MobilePayResult:
        if answer.state is PayState.PAID:
            return await self._book(order, answer.provider_txn_id)
        if answer.state is PayState.FAILED:
            await self._db(self.ledger.move_payment_order, order.order_no, "failed", answer.message)
            return MobilePayResult(MobileOutcome.DECLINED, "pay.declined", order.order_no)
        # Still paying, no answer, or not paid: cancel it at the provider before offering another way to pay.
        reversed_ = await self._reverse(provider, order)
        if reversed_ is not None:  # the reverse found it paid after all (a late password): it is a sale
            return reversed_
        return MobilePayResult(MobileOutcome.TIMED_OUT, "pay.timed_out", order.order_no)

    async def _book(self, order: PaymentOrderView, provider_txn: str) -> MobilePayResult:
        sale = await self._db(self.ledger.book_paid_order, order.order_no, provider_txn)
        if not sale.booked:
            # The fill was paid another way meanwhile: this money goes straight back.
            await self._refund_duplicate(sale.order)
            return MobilePayResult(MobileOutcome.REFUSED, "err.fill_already_settled", order.order_no)
        return MobilePayResult(
            MobileOutcome.PAID, "pay.paid", order.order_no, sale.receipt_no, order.provider, provider_txn
        )

    async def _reverse(self, provider: PaymentProvider, order: PaymentOrderView) -> MobilePayResult | None:
        """Reverse until the provider confirms; a query first, so money it did take is booked, not thrown away.
        Gives up after ``reverse_tries`` without an answer: the order stays open for :meth:`recover`."""
        for attempt in range(self.reverse_tries):
            try:
                state = await provider.query(order.order_no)
                if state.state is PayState.PAID:
                    return await self._book(order, state.provider_txn_id)
                result = await provider.reverse(order.order_no)
            except ProviderUnavailable:
                await self._sleep(min(self.poll_seconds, 1.0 + attempt))
                continue
            # Only these confirm no money is kept; a failed reverse (a system error) is asked again like silence.
            if result.state in (PayState.REVERSED, PayState.UNKNOWN_ORDER):
                await self._db(self.ledger.move_payment_order, order.order_no, "reversed", result.message)
                return None
            await self._sleep(min(self.poll_seconds, 1.0 + attempt))
        log.warning("payment order %s: no answer to reverse; left open for recovery", order.order_no)
        return None

    async def _refund_duplicate(self, order: PaymentOrderView) -> None:
        provider = self.providers.get(order.provider)
        if provider is None:
            return
        try:
            refund = await provider.refund(
                order.order_no, f"R{order.order_no}"[:32], order.amount_fen, order.amount_fen
            )
        except ProviderUnavailable:
            return  # still a duplicate: recover() asks again
        if refund.done:
            await self._db(self.ledger.book_refund, order.order_no)

    async def refund_sale(self, manager: Actor, order_no: str, reason: str) -> bool:
        """Manager: give a paid mobile sale's money back; True once the provider did and the sale is reversed."""
        order = await self._db(self.ledger.begin_refund, manager, order_no, reason)
        return await self._finish_refund(order)

    async def _finish_refund(self, order: PaymentOrderView) -> bool:
        provider = self.providers.get(order.provider)
        if provider is None:
            return False
        try:
            refund = await provider.refund(order.order_no, order.refund_no, order.amount_fen, order.amount_fen)
        except ProviderUnavailable:
            return False  # refunding is kept; recover() asks again with the same refund number
        if not refund.done:
            log.warning("payment order %s: refund refused: %s", order.order_no, refund.message)
            return False
        await self._db(self.ledger.book_refund, order.order_no)
        return True

    async def recover(self) -> int:
        """After a restart: every order not final asked about by its number and finished. Returns how many are
        still open (the provider did not answer)."""
        still_open = 0
        for order in await self._db(self.ledger.open_payment_orders):
            provider = self.providers.get(order.provider)
            if provider is None:
                still_open += 1
                continue
            try:
                if order.state == "refunding":
                    still_open += not await self._finish_refund(order)
                    continue
                if order.state == "duplicate":
                    await self._refund_duplicate(order)
                    continue
                answer = await provider.query(order.order_no)
            except ProviderUnavailable:
                still_open += 1
                continue
            if answer.state is PayState.PAID:
                await self._book(order, answer.provider_txn_id)
            elif await self._reverse(provider, order) is None:
                current = await self._db(self.ledger.payment_order, order.order_no)
                still_open += current.state in ("created", "paying")
        return still_open
