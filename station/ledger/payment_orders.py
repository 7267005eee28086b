"""Scan-to-pay orders: written before the provider is asked, booked once when it says paid, refunded by a manager.

The core (station.core.mobile_pay) drives the provider; this module only keeps the books straight:
* :meth:`create_payment_order` commits the order (state ``created``) before any request leaves the station;
* :meth:`book_paid_order` is the sale: its entry (clearing:<provider> / revenue:gas), the fill paid in mode
  mobile and its receipt job, in one transaction. A fill already paid turns the order into ``duplicate``
  (money to give back), never a second sale;
* refunds go ``refunding`` (reason and refund number kept before the provider is asked) → ``refunded`` (the
  reversing entry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.ledger import outbox
from station.ledger.errors import InvalidInput, NotFound, Refused
from station.ledger.journal import GAS_REVENUE, _EntryDraft, clearing_account
from station.ledger.models import Fill, FillStatus, PaymentMode, ReceiptJob
from station.ledger.models_payments import OPEN_STATES, PROVIDERS, PaymentOrder, PaymentOrderEvent
from station.ledger.sequence_log import StepRow, write_steps
from station.ledger.settlement import Settlement
from station.ledger.staff import Actor

# Moves the provider's answers may make; anything else is a programming error refused by name.
_MOVES: dict[str, tuple[str, ...]] = {
    "created": ("paying", "failed", "reversed"),
    "paying": ("failed", "reversed"),
    "duplicate": ("refunded",),
}


@dataclass(frozen=True)
class PaymentOrderView:
    order_no: str
    fill_id: int
    attempt: int
    provider: str
    amount_fen: int
    state: str
    provider_txn: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    refund_no: str
    sale_entry_id: int | None


@dataclass(frozen=True)
class BookedLine:
    order_no: str
    kind: str  # pay | refund
    amount_fen: int
    refund_no: str = ""


@dataclass(frozen=True)
class MobileSale:
    """A payment order as the desk lists it: with the receipt its sale printed (None: not paid)."""

    order: PaymentOrderView
    receipt_no: int | None


@dataclass(frozen=True)
class MobileSettlement:
    order: PaymentOrderView
    booked: bool  # False: the fill was paid already; this order's money is to be refunded (state duplicate)
    receipt_no: int = 0


def _order_view(order: PaymentOrder) -> PaymentOrderView:
    return PaymentOrderView(
        order.order_no,
        order.fill_id,
        order.attempt,
        order.provider,
        order.amount_fen,
        order.state,
        order.provider_txn,
        order.created_at,
        order.paid_at,
        order.refund_no,
        order.sale_entry_id,
    )


class PaymentOrders(Settlement):
    """Payment orders and their one sale each."""

    def _order(self, session: Session, order_no: str) -> PaymentOrder:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.order_no == order_no).with_for_update())
        if order is None:
            raise NotFound("payment_order_unknown", order=order_no)
        return order

    def _order_moved(
        self, session: Session, order: PaymentOrder, state: str, actor_id: int | None = None, detail: str = ""
    ) -> None:
        order.state = state
        order.updated_at = self.now()
        session.add(
            PaymentOrderEvent(order_id=order.id, at=self.now(), state=state, actor_id=actor_id, detail=detail[:200])
        )

    def create_payment_order(self, actor: Actor, fill_id: int, provider: str) -> PaymentOrderView:
        """Committed before the provider is asked: after a crash its number is there to be queried."""
        if provider not in PROVIDERS:
            raise InvalidInput("payment_provider_unknown", provider=provider)
        with self._tx() as session:
            actor_id = self._actor_id(session, actor)
            fill = session.get(Fill, fill_id, with_for_update=True)
            if fill is None:
                raise NotFound("fill_unknown", fill=fill_id)
            if fill.status is not FillStatus.UNPAID:
                raise Refused("fill_already_settled", fill=fill_id)
            pending = session.scalar(
                select(PaymentOrder.order_no).where(
                    PaymentOrder.fill_id == fill_id, PaymentOrder.state.in_(("created", "paying"))
                )
            )
            if pending is not None:
                raise Refused("payment_order_pending", order=pending)
            attempt = 1 + int(
                session.scalar(
                    select(func.coalesce(func.max(PaymentOrder.attempt), 0)).where(PaymentOrder.fill_id == fill_id)
                )
                or 0
            )
            now = self.now()
            order = PaymentOrder(
                order_no=f"{self.settings.station.code}F{fill_id}A{attempt}"[-32:],
                fill_id=fill_id,
                attempt=attempt,
                provider=provider,
                amount_fen=fill.amount_fen,
                state="created",
                provider_txn="",
                created_by_id=actor_id,
                created_at=now,
                updated_at=now,
                refund_no="",
                refund_reason="",
            )
            session.add(order)
            session.flush()
            self._order_moved(session, order, "created", actor_id)
            return _order_view(order)

    def move_payment_order(self, order_no: str, state: str, detail: str = "") -> PaymentOrderView:
        """The provider's answer short of paid: paying, failed (declined) or reversed (撤销)."""
        with self._tx() as session:
            order = self._order(session, order_no)
            if order.state == state:
                return _order_view(order)  # told twice (a retry after a restart): nothing new
            if state not in _MOVES.get(order.state, ()):
                raise Refused("payment_order_move", order=order_no, state=order.state, to=state)
            self._order_moved(session, order, state, detail=detail)
            return _order_view(order)

    def book_paid_order(
        self,
        order_no: str,
        provider_txn: str,
        fill_end_to_commit_ms: int | None = None,
        *,
        steps: Sequence[StepRow] = (),
    ) -> MobileSettlement:
        """The provider says paid: the sale, once. Paid again (a retry, a recovery) returns what was booked.
        ``steps``: the sequence's steps not yet written, committed with the sale (as settle_cash)."""
        with self._tx() as session:
            write_steps(session, steps)
            order = self._order(session, order_no)
            if order.state in ("paid", "refunding", "refunded", "duplicate"):
                return MobileSettlement(_order_view(order), order.state != "duplicate")
            if order.state not in ("created", "paying"):
                raise Refused("payment_order_move", order=order_no, state=order.state, to="paid")
            order.provider_txn = provider_txn[:64]
            order.paid_at = self.now()
            fill = session.get(Fill, order.fill_id, with_for_update=True)
            assert fill is not None
            if fill.status is not FillStatus.UNPAID:
                # Paid already (cash, card or another order): this money goes back, the fill is not sold twice.
                self._order_moved(session, order, "duplicate", detail=f"fill already {fill.status.value}")
                return MobileSettlement(_order_view(order), False)
            draft = _EntryDraft(
                "fill_sale",
                memo=f"{order.provider} sale {fill.dispenser}/{fill.nozzle}/{fill.transaction_number} {order_no}",
            )
            draft.add(clearing_account(order.provider), fill.amount_fen)
            draft.add(GAS_REVENUE, -fill.amount_fen)
            actor_id = order.created_by_id
            entry = self._post(session, draft, actor_id)
            self._release_fill_hold(session, fill.hold_id, actor_id)  # a card's hold for it goes back (灰锁)
            fill.status = FillStatus.PAID
            fill.payment_mode = PaymentMode.MOBILE
            fill.sale_entry_id = entry.id
            fill.settled_at = self.now()
            fill.fill_end_to_commit_ms = fill_end_to_commit_ms
            fill.attendant_id = fill.attendant_id or actor_id
            order.sale_entry_id = entry.id
            self._order_moved(session, order, "paid", detail=provider_txn)
            session.flush()
            receipt_no = self._receipt_job(session, fill.id, order.provider, order_no=order_no, txn=provider_txn)
            return MobileSettlement(_order_view(order), True, receipt_no)

    def begin_refund(self, manager: Actor, order_no: str, reason: str) -> PaymentOrderView:
        """Manager only: the reason and refund number kept before the provider is asked to give the money back."""
        if not reason.strip():
            raise InvalidInput("reason_required")
        with self._tx() as session:
            self._actor(session, manager, manager=True)
            order = self._order(session, order_no)
            if order.state == "refunding":
                return _order_view(order)
            if order.state != "paid":
                raise Refused("payment_order_not_refundable", order=order_no, state=order.state)
            order.refund_no = f"R{order_no}"[:32]
            order.refund_reason = reason.strip()[:200]
            self._order_moved(session, order, "refunding", manager.id, reason)
            return _order_view(order)

    def book_refund(self, order_no: str) -> PaymentOrderView:
        """The provider gave the money back: a refunding order's reversing entry; a duplicate one only closes."""
        with self._tx() as session:
            order = self._order(session, order_no)
            if order.state == "refunded":
                return _order_view(order)
            if order.state == "duplicate":
                order.refund_no = order.refund_no or f"R{order_no}"[:32]  # the number the core refunded it by
                self._order_moved(session, order, "refunded", detail="duplicate payment returned")
                return _order_view(order)
            if order.state != "refunding" or order.sale_entry_id is None:
                raise Refused("payment_order_move", order=order_no, state=order.state, to="refunded")
            actor_id = session.scalar(
                select(PaymentOrderEvent.actor_id)
                .where(PaymentOrderEvent.order_id == order.id, PaymentOrderEvent.state == "refunding")
                .order_by(PaymentOrderEvent.id.desc())
            )
            draft = _EntryDraft("mobile_refund", memo=f"refund {order_no}: {order.refund_reason}")
            draft.add(GAS_REVENUE, order.amount_fen)
            draft.add(clearing_account(order.provider), -order.amount_fen)
            entry = self._post(session, draft, actor_id, reverses_id=order.sale_entry_id)
            order.refund_entry_id = entry.id
            self._order_moved(session, order, "refunded", actor_id, order.refund_reason)
            self._audit(session, actor_id, "mobile_refund", order=order_no, amount_fen=order.amount_fen)
            refund = {
                "order_no": order_no,
                "shift_id": self._open_shift_id(session),
                "amount_fen": order.amount_fen,
                "mode": "mobile",
                "provider": order.provider,
            }
            outbox.emit(session, "refund", order_no, refund, self.now())
            return _order_view(order)

    def payment_order(self, order_no: str) -> PaymentOrderView:
        with self._read() as session:
            order = session.scalar(select(PaymentOrder).where(PaymentOrder.order_no == order_no))
            if order is None:
                raise NotFound("payment_order_unknown", order=order_no)
            return _order_view(order)

    def mobile_sales(self, limit: int = 8) -> list[MobileSale]:
        """The latest payment orders, newest first, each with its sale's receipt number once paid."""
        with self._read() as session:
            rows = session.execute(
                select(PaymentOrder, ReceiptJob.receipt_no)
                .outerjoin(
                    ReceiptJob,
                    (ReceiptJob.fill_id == PaymentOrder.fill_id) & (ReceiptJob.payment == PaymentOrder.provider),
                )
                .order_by(PaymentOrder.id.desc())
                .limit(limit)
            ).all()
            return [MobileSale(_order_view(o), None if r is None else int(r)) for o, r in rows]

    def open_payment_orders(self) -> list[PaymentOrderView]:
        """Orders the provider must still be asked about (restart recovery), oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(PaymentOrder).where(PaymentOrder.state.in_(OPEN_STATES)).order_by(PaymentOrder.id)
            )
            return [_order_view(o) for o in rows]

    def payments_between(self, provider: str, start: dt.datetime, end: dt.datetime) -> list[BookedLine]:
        """What the provider's bill for [start, end) should list: each payment taken (a duplicate's too: the
        provider has it) and each refund given back, by the time the station learnt of it."""
        with self._read() as session:
            pays = session.execute(
                select(PaymentOrder.order_no, PaymentOrder.amount_fen)
                .where(PaymentOrder.provider == provider, PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end)
                .order_by(PaymentOrder.id)
            ).all()
            refunds = session.execute(
                select(PaymentOrder.order_no, PaymentOrder.amount_fen, PaymentOrder.refund_no)
                .join(PaymentOrderEvent, PaymentOrderEvent.order_id == PaymentOrder.id)
                .where(
                    PaymentOrder.provider == provider,
                    PaymentOrderEvent.state == "refunded",
                    PaymentOrderEvent.at >= start,
                    PaymentOrderEvent.at < end,
                )
                .order_by(PaymentOrderEvent.id)
            ).all()
            return [BookedLine(str(o), "pay", int(a), "") for o, a in pays] + [
                BookedLine(str(o), "refund", int(a), str(r)) for o, a, r in refunds
            ]

    def payment_order_history(self, order_no: str) -> list[tuple[str, dt.datetime, str]]:
        with self._read() as session:
            order = session.scalar(select(PaymentOrder).where(PaymentOrder.order_no == order_no))
            if order is None:
                raise NotFound("payment_order_unknown", order=order_no)
            rows = session.execute(
                select(PaymentOrderEvent.state, PaymentOrderEvent.at, PaymentOrderEvent.detail)
                .where(PaymentOrderEvent.order_id == order.id)
                .order_by(PaymentOrderEvent.id)
            ).all()
            return [(str(s), at, str(d)) for s, at, d in rows]
