"""Steps 9–11: disconnect, settle cash or card, the receipt and its printing (and the receipts committed before
a kill), farewell; clearing an unpaid fill."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from station.core.lanes import CoreRefused, LaneChanged
from station.core.mobile_pay import MobileOutcome, MobilePayResult
from station.core.ratings import ServiceRatings
from station.core.sequence import FuelingSequence, Step
from station.devices.printer import PrintOutcome
from station.ledger.fills import FillView
from station.printouts.receipt import CardPayment, CashPayment, FillReceipt, MobilePayment, Payment, render

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class SettleResult:
    fill: FillView
    receipt_lines: list[str]
    print_outcome: PrintOutcome | None
    change_fen: int | None = None
    tendered_fen: int | None = None
    balance_fen: int | None = None
    low_balance: bool = False


@dataclass(frozen=True)
class MobileSettleResult:
    """A payment code's answer at settle; ``settled`` when it paid the fill (the receipt printed as for cash)."""

    pay: MobilePayResult
    settled: SettleResult | None = None

    @property
    def outcome(self) -> MobileOutcome:
        return self.pay.outcome

    @property
    def message_key(self) -> str:
        return self.pay.message_key

    @property
    def order_no(self) -> str:
        return self.pay.order_no

    @property
    def receipt_no(self) -> int:
        return self.pay.receipt_no


class Settle(ServiceRatings):
    # ------------------------------------------------------------------ step 9–11

    async def confirm_disconnect_item(self, key: tuple[int, int], expect: str | None = None) -> str:
        """One key of step 9; ``expect``: the item the attendant was shown (a report may have moved it on)."""
        return self._step(key, lambda s: s.confirm_disconnect_item(expect))

    def _fill_for(self, key: tuple[int, int]) -> FillView | None:
        seq = self.lanes[key].sequence
        lane = self.lanes[key]
        if seq is not None and seq.fill_id is not None:
            for fill in lane.unpaid:
                if fill.id == seq.fill_id:
                    return fill
        return lane.unpaid[0] if lane.unpaid else None

    def _receipt(self, fill: FillView, receipt_no: int, payment: Payment) -> FillReceipt:
        product = next((p for p in self.settings.products if p.code == fill.product_code), None)
        return FillReceipt(
            station_name=self.settings.station.name,
            station_code=self.settings.station.code,
            receipt_no=f"{receipt_no:08d}",
            time=(fill.settled_at or self.ledger.now()).astimezone(self.settings.station.zone),
            attendant=self.actor.name if self.actor else "",
            dispenser=fill.dispenser,
            nozzle=fill.nozzle,
            transaction_no=fill.transaction_number,
            product=product.name if product else fill.product_code,
            product_en=product.name_en if product else fill.product_code,
            unit_price_fen=fill.unit_price_fen,
            quantity_centi=fill.quantity_centi,
            unit="Nm3" if fill.unit == "Nm3" else "kg",
            amount_fen=fill.amount_fen,
            payment=payment,
            plate=fill.plate,
            language=self.settings.station.receipt_language,
        )

    async def _print(self, receipt: FillReceipt, *, mark_now: bool = False) -> tuple[list[str], PrintOutcome | None]:
        lines = render(receipt, self.language)
        if self.print_queue is None:
            return lines, None
        try:
            outcome = await self.print_queue.submit_async(receipt, self.language)
        except Exception as exc:  # the sale is committed whatever the printer does
            log.exception("print failed")
            outcome = PrintOutcome("", False, str(exc))
        else:
            # The spool has it now (printed or queued for paper): the ledger's job is handed over. A sale's
            # receipt is marked with its sequence's finish write; until then a restart finds it in the spool.
            if mark_now:
                with contextlib.suppress(Exception):
                    await self._db(self.ledger.mark_receipt_spooled, int(receipt.receipt_no))
            else:
                self._spooled.append(int(receipt.receipt_no))
        if not outcome.printed:
            self.notice("settle.print_queued", "warning", error=outcome.error or "")
        return lines, outcome

    def _settle_ms(self, key: tuple[int, int]) -> int | None:
        seq = self.lanes[key].sequence
        if seq is None or seq.settle_timer.started is None:
            return None
        return seq.settle_timer.elapsed_ms(self.monotonic())

    def _finish_settle(self, key: tuple[int, int], detail: str) -> None:
        seq = self.lanes[key].sequence
        if seq is not None and seq.step is Step.SETTLE:
            seq.settled(detail)

    async def settle_cash(self, key: tuple[int, int], tendered_fen: int) -> SettleResult:
        actor = self._need_actor()
        lane = self.lanes[key]
        await self._reload_unpaid(lane)
        fill = self._fill_for(key)
        seq = lane.sequence
        if seq is not None and not seq.finished and seq.step is not Step.SETTLE:
            raise CoreRefused("step_out_of_order")
        if fill is None:
            raise CoreRefused("fill_already_settled")
        if seq is not None and seq.hold_id is not None and not seq.finished:
            # Card was chosen but the driver pays cash after all: give the hold back first.
            with contextlib.suppress(CoreRefused):
                await self._db(self.ledger.release_hold, actor, seq.hold_id)
            seq.hold_id = None
        sale = await self._settle_call(
            seq, self.ledger.settle_cash, actor, fill.id, tendered_fen, fill_end_to_commit_ms=self._settle_ms(key)
        )
        self._finish_settle(key, f"cash {sale.due_fen}/{sale.tendered_fen}/{sale.change_fen}")
        self._served = key
        await self.display.show_received(sale.tendered_fen)  # 收到您XX元, then 找零XX元 (seed 001)
        await self.display.show_change(sale.change_fen)
        lines, outcome = await self._print(
            self._receipt(sale.fill, sale.receipt_no, CashPayment(sale.tendered_fen, sale.change_fen))
        )
        await self._reload_unpaid(lane)
        return SettleResult(sale.fill, lines, outcome, change_fen=sale.change_fen, tendered_fen=sale.tendered_fen)

    async def settle_card(
        self, key: tuple[int, int], card_number: str | None = None, pin: str | None = None
    ) -> SettleResult:
        """Complete the hold with the actual amount; a card named here (unpaid fill after a restart) needs its PIN."""
        actor = self._need_actor()
        lane = self.lanes[key]
        await self._reload_unpaid(lane)
        fill = self._fill_for(key)
        seq = lane.sequence
        if seq is not None and not seq.finished and seq.step is not Step.SETTLE:
            raise CoreRefused("step_out_of_order")
        if fill is None:
            raise CoreRefused("fill_already_settled")
        hold_id = seq.hold_id if seq is not None and not seq.finished else None
        number = seq.card_number if seq is not None and not seq.finished and seq.card_number else card_number
        if hold_id is None and fill.hold_id is not None and fill.card_number and number in (None, fill.card_number):
            # Recovered after a restart: the card's PIN was checked when its hold was placed for this fill.
            number, hold_id = fill.card_number, fill.hold_id
        if not number:
            raise CoreRefused("card_number_invalid")
        if hold_id is None:
            if pin is None:
                raise CoreRefused("pin_format")
            await self._db(self.ledger.verify_card_pin, number, pin)
        sale = await self._settle_call(
            seq,
            self.ledger.settle_card,
            actor,
            fill.id,
            number,
            hold_id=hold_id,
            fill_end_to_commit_ms=self._settle_ms(key),
        )
        self._finish_settle(key, f"card {sale.fill.amount_fen}")
        self._served = key
        await self.display.show_balance(sale.card.balance_fen)  # 卡上余额XX元 (seed 004)
        lines, outcome = await self._print(
            self._receipt(
                sale.fill, sale.receipt_no, CardPayment(sale.card.number, sale.card.balance_fen, sale.low_balance)
            )
        )
        await self._reload_unpaid(lane)
        return SettleResult(sale.fill, lines, outcome, balance_fen=sale.card.balance_fen, low_balance=sale.low_balance)

    async def settle_mobile(
        self, key: tuple[int, int], scanned: str, on_user_paying: Callable[[], None] | None = None
    ) -> MobileSettleResult:
        """The lane's fill paid by the driver's payment code (付款码). Not paid (declined, timed out and reversed,
        a bad code): the result's message key says so and the attendant offers cash or card on the same fill.
        ``on_user_paying``: called while the driver types the password (show "please wait")."""
        actor = self._need_actor()
        lane = self.lanes[key]
        await self._reload_unpaid(lane)
        fill = self._fill_for(key)
        seq = lane.sequence
        if seq is not None and not seq.finished and seq.step is not Step.SETTLE:
            raise CoreRefused("step_out_of_order")
        if fill is None:
            raise CoreRefused("fill_already_settled")
        if self.mobile_pay is None:
            return MobileSettleResult(MobilePayResult(MobileOutcome.REFUSED, "pay.off"))
        description = f"{self.settings.station.name} {fill.product_code} {fill.dispenser}/{fill.nozzle}"
        result = await self.mobile_pay.pay_fill(actor, fill.id, scanned, description, on_user_paying)
        settled: SettleResult | None = None
        if result.outcome is MobileOutcome.PAID:
            if seq is not None and seq.hold_id is not None and not seq.finished:
                # Card was chosen but the driver paid by phone: its hold goes back (the fill's own went with the sale).
                with contextlib.suppress(CoreRefused):
                    await self._db(self.ledger.release_hold, actor, seq.hold_id)
                seq.hold_id = None
            self._finish_settle(key, f"mobile {result.order_no}")
            self._served = key
            await self.display.show_received(fill.amount_fen)  # 收到您XX元: the phone paid the whole amount
            payment = MobilePayment(result.provider, result.order_no, result.provider_txn)
            lines, outcome = await self._print(self._receipt(fill, result.receipt_no, payment))
            settled = SettleResult(fill, lines, outcome)
        await self._reload_unpaid(lane)
        return MobileSettleResult(result, settled)

    async def _settle_call(self, seq: FuelingSequence | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The sale carries its sequence's steps (fill ended, disconnect); a fill settled outside a sequence
        (after a restart, from the unpaid list) carries none."""
        if seq is not None and not seq.finished:
            return await self._db_with_steps(seq, fn, *args, **kwargs)
        return await self._db(fn, *args, **kwargs)

    async def farewell(self, key: tuple[int, int]) -> None:
        seq = self._sequence(key)
        self._step(key, lambda s: s.farewell())
        # The finish write: the sequence is over only once its steps (sale committed, farewell) are in the
        # ledger; the receipts spooled since are marked in the same transaction.
        spooled, self._spooled = self._spooled, []
        try:
            await self._db_with_steps(seq, self.ledger.finish_sequence, spooled)
        except CoreRefused as exc:
            # The sale is long committed: the steps and marks wait for the next write (or the stop).
            log.warning("finish of sequence %s not written (%s); kept for the next write", seq.sequence_id, exc.code)
            self._spooled = spooled + self._spooled
        self.lanes[key].sequence = None
        self._card_levels.pop(key, None)
        if self._served == key:
            await self.display.clear()  # the next driver sees nothing of this one's sale
        self.emit(LaneChanged(key))
        self._ask_rating(seq)  # the lane is free already: the rating never holds it

    async def clear_unpaid(self, key: tuple[int, int], manager_number: str, manager_pin: str, reason: str) -> None:
        manager = await self.manager(manager_number, manager_pin)
        lane = self.lanes[key]
        for fill in list(lane.unpaid):
            await self._db(self.ledger.clear_unpaid_fill, manager, fill.id, reason)
        await self._reload_unpaid(lane)

    async def _spool_committed_receipts(self) -> None:
        """Receipts of sales committed before a kill, that never reached the spool: spool them now."""
        jobs = await self._db(self.ledger.unspooled_receipts)
        spooled: set[str] = set()
        if jobs and self.print_queue is not None:
            queue = self.print_queue
            spooled = {
                str(job.receipt.get("receipt_no"))
                for job in await asyncio.to_thread(lambda: [*queue.pending(), *queue.printed()])
            }
        for job in jobs:
            d = job.detail
            payment: Payment
            if job.payment not in ("cash", "card", "wechat", "alipay"):
                # A way of paying this version has no receipt block for: the job waits unspooled rather than
                # print as cash or stop the spooling of the others.
                log.warning("receipt %s: no layout for payment %r", job.receipt_no, job.payment)
                continue
            if job.payment in ("wechat", "alipay"):
                payment = MobilePayment(job.payment, str(d.get("order_no", "")), str(d.get("txn", "")))
            elif job.payment == "card":
                payment = CardPayment(str(d["card_number"]), int(d["balance_fen"]), bool(d["low_balance"]))
            else:
                payment = CashPayment(int(d["tendered_fen"]), int(d["change_fen"]))
            if self.print_queue is not None and f"{job.receipt_no:08d}" in spooled:
                # Spooled before the kill, not yet marked (marks ride the sequence's finish): never print twice.
                await self._db(self.ledger.mark_receipt_spooled, job.receipt_no)
                continue
            _lines, outcome = await self._print(self._receipt(job.fill, job.receipt_no, payment), mark_now=True)
            if outcome is not None and not outcome.job_id:
                return  # the spool itself failed; try again on the next start

    async def _drain_print_queue(self) -> None:
        assert self.print_queue is not None
        with contextlib.suppress(Exception):
            # A sale the payment recovery books is a receipt to print: wait for its first round (bounded).
            await asyncio.wait_for(self._payments_recovered.wait(), 20.0)
        with contextlib.suppress(Exception):
            await self._spool_committed_receipts()
        while True:
            await asyncio.sleep(5)
            if self.print_queue.pending():
                with contextlib.suppress(Exception):
                    await self.print_queue.drain_async()
