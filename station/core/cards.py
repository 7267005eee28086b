"""Card services at the counter (SPEC §4, issue 5): one async facade over the ledger for the terminal.

Lookup by number or by the UID the reader reads; balance and statement; issue; cash recharge with a receipt
whose amount is exactly the recharge (seed 002); report lost; replace (fee when the customer lost or broke the
card, none when the card failed, seed 003); PIN reset and unlock; close with a refund; manual adjustments with
a second manager above the approval limit (seed 003); account cards (记账卡) with a credit limit and a
statement to bill.

Roles are the ledger's business: manager-only calls take the manager's :class:`Actor` (from
:meth:`CardDesk.manager`) and the ledger refuses anybody else. Every ledger call goes through
``core._db`` so a refusal arrives as :class:`CoreRefused` with a stable code. No Textual here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from station.config import STATION_TZ
from station.core.station import CoreRefused, StationCore
from station.devices.printer import PrintOutcome
from station.ledger.cards import CardView, ReplaceCause
from station.ledger.models import CardStatus, CardType
from station.ledger.reports.cards import card_statement
from station.ledger.services import Ledger
from station.ledger.staff import Actor
from station.money import MAX_FEN, format_yuan
from station.printouts.receipt import (
    Receipt,
    RechargeReceipt,
    ReportLine,
    ShiftReport,
    mask_card_number,
    render,
)
from station.printouts.report import Report, render_text

log = logging.getLogger(__name__)

# The ledger decides who may issue what; this mirrors it only to ask for a manager before trying.
MANAGER_CARD_TYPES = (CardType.ACCOUNT, CardType.STAFF, CardType.INTERNAL)


@dataclass(frozen=True)
class Printed:
    """A slip for the customer: the lines shown on screen and what the printer did (None: no printer)."""

    lines: list[str]
    outcome: PrintOutcome | None

    @property
    def ok(self) -> bool:
        return self.outcome is None or self.outcome.printed


@dataclass(frozen=True)
class RechargeOutcome:
    card: CardView
    amount_fen: int
    balance_before_fen: int
    receipt_no: str
    slip: Printed


@dataclass(frozen=True)
class ReplaceOutcome:
    old_number: str
    card: CardView
    moved_fen: int
    fee_fen: int


@dataclass(frozen=True)
class CloseOutcome:
    number: str
    refund_fen: int
    slip: Printed


@dataclass(frozen=True)
class AccountBill:
    """What an account card (记账卡) owes: the amount to bill is what it has spent beyond its own money."""

    card: CardView
    due_fen: int
    available_fen: int
    statement: Report


class CardDesk:
    def __init__(self, core: StationCore) -> None:
        self.core = core

    @property
    def ledger(self) -> Ledger:
        return self.core.ledger

    # ------------------------------------------------------------------ who

    def _attendant(self) -> Actor:
        if self.core.actor is None:
            raise CoreRefused("not_logged_in")
        return self.core.actor

    async def manager(self, number: str, pin: str) -> Actor:
        """A manager's credentials for one action; an attendant's are refused (``manager_only``)."""
        if not number.strip() or not pin:
            raise CoreRefused("input_empty")
        if len(number) > 16 or len(pin) > 16:
            raise CoreRefused("input_too_long")
        return await self.core.manager(number, pin)

    # ------------------------------------------------------------------ reading

    async def lookup(self, *, number: str | None = None, uid: str | None = None) -> CardView:
        if number is not None:
            number = number.strip()
            if not number:
                raise CoreRefused("input_empty")
            if len(number) > 32 or not number.isalnum():
                raise CoreRefused("card_number_invalid")
            return await self.core._db(self.ledger.card, number=number)
        if uid is not None and uid.strip():
            return await self.core._db(self.ledger.card, uid=uid)
        raise CoreRefused("input_empty")

    async def presented_at_pump(self, uid: str, where: str) -> CardView:
        """A card put on the reader at step 4: who it is at once. A card that cannot pay is refused before
        the driver types a PIN; a lost one is also flagged for the manager (SPEC §4)."""
        try:
            view = await self.lookup(uid=uid)
        except CoreRefused as exc:
            if exc.code in ("card_unknown", "not_found"):
                raise CoreRefused("card_not_ours") from None
            raise
        if view.status is CardStatus.LOST:
            await self.core._db(self.ledger.flag_lost_card_use, view.number, where)
        if view.status is not CardStatus.ACTIVE:
            raise CoreRefused(f"card_{view.status.value}", number=view.number, holder=view.holder)
        return view

    async def statement(self, number: str, start: dt.datetime | None = None, end: dt.datetime | None = None) -> Report:
        return await self.core._db(card_statement, self.ledger, number, start, end)

    async def statement_text(self, number: str, lang: str) -> list[str]:
        report = await self.statement(number)
        return render_text(report, "zh" if lang == "zh" else "en")

    async def bill(self, number: str, start: dt.datetime | None = None, end: dt.datetime | None = None) -> AccountBill:
        """An account card's statement to bill: the entries and the amount owed."""
        card = await self.lookup(number=number)
        if card.card_type is not CardType.ACCOUNT:
            raise CoreRefused("card_not_account")
        report = await self.statement(number, start, end)
        return AccountBill(card, max(0, -card.balance_fen), card.spendable_fen, report)

    async def print_statement(self, number: str, lang: str) -> Printed:
        """The statement on the receipt printer; the card number masked as on every slip."""
        report = await self.statement(number)
        view = await self.lookup(number=number)
        zh = lang == "zh"
        lines: list[ReportLine] = [
            ReportLine("卡号" if zh else "Card", mask_card_number(view.number)),
            ReportLine("持卡人" if zh else "Holder", view.holder),
            ReportLine("余额" if zh else "Balance", format_yuan(view.balance_fen)),
        ]
        if view.card_type is CardType.ACCOUNT:
            lines.append(ReportLine("信用额度" if zh else "Credit limit", format_yuan(view.credit_limit_fen)))
            lines.append(ReportLine("应付账款" if zh else "Amount due", format_yuan(max(0, -view.balance_fen))))
        lines.append(ReportLine(""))
        for row in report.section("entries").rows:
            when, _entry, kind, _memo, amount, balance = row
            kind_text = kind.render("zh" if zh else "en") if not isinstance(kind, str) else kind
            lines.append(ReportLine(f"{str(when)[5:16]} {kind_text}", f"{amount} / {balance}"))
        title = "加气卡对账单" if zh else "CARD STATEMENT"
        slip = ShiftReport(
            self.core.settings.station.name,
            self.core.settings.station.code,
            title,
            self._now(),
            tuple(lines),
        )
        return await self._print(slip, lang)

    # ------------------------------------------------------------------ attendant services

    async def issue(
        self,
        *,
        number: str,
        uid: str | None,
        card_type: CardType,
        holder: str,
        pin: str,
        phone: str = "",
        plates: Sequence[str] = (),
        credit_limit_fen: int = 0,
        price_level: int = 0,
        staff_number: str | None = None,
        manager: Actor | None = None,
    ) -> CardView:
        """Open a card (开卡). Account, staff and internal cards need a manager (the ledger insists)."""
        actor = manager if manager is not None else self._attendant()
        return await self.core._db(
            self.ledger.issue_card,
            actor,
            number=number,
            uid=uid or None,
            card_type=card_type,
            holder=holder,
            pin=pin,
            phone=phone,
            plates=list(plates),
            price_level=price_level,
            credit_limit_fen=credit_limit_fen,
            staff_number=staff_number,
        )

    async def recharge(self, number: str, amount_fen: int, lang: str | None = None) -> RechargeOutcome:
        """Cash recharge. The ledger commits first; the receipt (amount = the recharge) prints after, and a
        printer failure leaves the recharge in place with the slip queued."""
        actor = self._attendant()
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
            raise CoreRefused("amount_not_positive")
        if amount_fen > MAX_FEN:
            raise CoreRefused("amount_too_large")
        before = await self.lookup(number=number)
        result = await self.core._db(self.ledger.recharge, actor, before.number, amount_fen)
        after = result.card
        receipt_no = f"{result.receipt_no:08d}"
        receipt = RechargeReceipt(
            station_name=self.core.settings.station.name,
            station_code=self.core.settings.station.code,
            receipt_no=receipt_no,
            time=self._now(),
            attendant=actor.name,
            card_number=after.number,
            amount_fen=result.amount_fen,
            balance_after_fen=after.balance_fen,
            method="cash",
            balance_before_fen=after.balance_fen - result.amount_fen,
        )
        slip = await self._print(receipt, lang)
        return RechargeOutcome(after, result.amount_fen, after.balance_fen - result.amount_fen, receipt_no, slip)

    async def report_lost(self, number: str) -> CardView:
        return await self.core._db(self.ledger.report_lost, self._attendant(), number)

    # ------------------------------------------------------------------ manager services

    def replacement_fee(self, cause: ReplaceCause) -> int:
        return self.core.settings.thresholds.replacement_card_fee if cause is ReplaceCause.CUSTOMER else 0

    async def replace(
        self,
        manager: Actor,
        old_number: str,
        *,
        new_number: str,
        new_uid: str | None,
        cause: ReplaceCause,
        pin: str,
    ) -> ReplaceOutcome:
        """Balance to the new card; the fee (cash) when the customer lost or broke it. An open hold refuses."""
        old = await self.lookup(number=old_number)
        if old.status is CardStatus.CLOSED:
            raise CoreRefused("card_closed", number=old.number)
        self._refuse_pending_fill(old.number)
        new = await self.core._db(
            self.ledger.replace_card,
            manager,
            old.number,
            new_number=new_number.strip(),
            new_uid=(new_uid or "").strip() or None,
            cause=cause,
            pin=pin,
        )
        return ReplaceOutcome(old.number, new, old.balance_fen, self.replacement_fee(cause))

    async def reset_pin(self, manager: Actor, number: str, new_pin: str, reason: str) -> CardView:
        """Set a new PIN; a card locked by wrong PINs is unlocked with it."""
        return await self.core._db(self.ledger.reset_card_pin, manager, number, new_pin, reason)

    async def close(self, manager: Actor, number: str, reason: str, lang: str | None = None) -> CloseOutcome:
        """Close with a cash refund of the balance; refused with an open hold or a fill not yet paid."""
        view = await self.lookup(number=number)
        self._refuse_pending_fill(view.number)
        refund = await self.core._db(self.ledger.close_card, manager, view.number, reason)
        zh = (lang or self.core.language) == "zh"
        slip = ShiftReport(
            self.core.settings.station.name,
            self.core.settings.station.code,
            "退卡退款" if zh else "CARD CLOSED - REFUND",
            self._now(),
            (
                ReportLine("卡号" if zh else "Card", mask_card_number(view.number)),
                ReportLine("持卡人" if zh else "Holder", view.holder),
                ReportLine("退款金额" if zh else "Refund (cash)", f"{format_yuan(refund)}{'元' if zh else ''}"),
                ReportLine("站长" if zh else "Manager", manager.name),
                ReportLine("原因" if zh else "Reason", reason.strip()[:60]),
            ),
        )
        return CloseOutcome(view.number, refund, await self._print(slip, lang))

    def needs_second_manager(self, amount_fen: int) -> bool:
        return abs(amount_fen) > self.core.settings.thresholds.adjustment_approval_limit

    async def adjust(
        self, manager: Actor, number: str, amount_fen: int, reason: str, approver: Actor | None = None
    ) -> CardView:
        """Signed manual adjustment (补/退气 in money); above the approval limit a second manager approves."""
        if approver is not None and approver.id == manager.id:
            raise CoreRefused("second_manager_required")
        return await self.core._db(self.ledger.adjust, manager, number, amount_fen, reason, approver)

    # ------------------------------------------------------------------ helpers

    def pending_fill_for(self, number: str) -> bool:
        """A fill paid by this card that is on a nozzle and not yet settled (the ledger sees only the hold)."""
        for lane in self.core.lanes.values():
            seq = lane.sequence
            if seq is not None and not seq.finished and seq.card_number == number and lane.unpaid:
                return True
            if any(f.card_number == number for f in lane.unpaid):
                return True
        return False

    def _refuse_pending_fill(self, number: str) -> None:
        if self.pending_fill_for(number):
            raise CoreRefused("card_has_unpaid_fill", number=number)

    def _now(self) -> dt.datetime:
        return self.ledger.now().astimezone(STATION_TZ)

    async def _print(self, receipt: Receipt, lang: str | None) -> Printed:
        # Slips go to the customer: the station's receipt language, not the attendant's screen language.
        language: Literal["zh", "en"] = self.core.settings.station.receipt_language
        lines = render(receipt, language)
        queue = self.core.print_queue
        if queue is None:
            return Printed(lines, None)
        try:
            outcome = await queue.submit_async(receipt, language)
        except Exception as exc:  # whatever the printer does, the business event is committed
            log.exception("card slip print failed")
            outcome = PrintOutcome("", False, str(exc))
        return Printed(lines, outcome)
