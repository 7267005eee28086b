"""Step 10, settle, on the sequence screen: cash tendered (twice Enter: the change said aloud, then the counterfeit
check), the card charged, or the driver's payment code (付款码) scanned after M.

A USB scanner types like a keyboard: the code's digits and Enter land in the focused field, so the mobile step is
one Input. The payment can take the whole settle minute while the driver types a password on the phone: it runs
as a worker, the screen keeps painting ("the driver is confirming…"), and Esc is refused until the answer, so no
second payment can start on the same fill.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.widgets import Input

from station.core.mobile_pay import MobileOutcome
from station.core.sequence import FuelingSequence, PaymentKind, Step
from station.core.station import CoreRefused, SettleResult
from station.i18n import t
from station.money import format_centi, format_yuan
from station.tui.common import Key, parse_money_input, refusal_text
from station.tui.screens.sequence_parts import SequenceParts

if TYPE_CHECKING:
    pass


class CashInput(Input):
    """The cash tendered: an amount never has an M in it, so M stays the screen's key (pay by phone) even while
    this field has the focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if key in ("m", "M"):
            return False
        return super().check_consume_key(key, character)


class SettleSteps(SequenceParts):
    """The settle step's fields and keys; the sequence screen is the rest."""

    if TYPE_CHECKING:
        pending_tender: int | None
        settle_result: SettleResult | None
        busy: bool

        def _phrase(self, key: str, **params: Any) -> str: ...
        def render_state(self, focus: bool = False) -> None: ...

    mobile_mode = False  # M pressed: the payment-code field instead of the cash one

    def settle_inputs(self, seq: FuelingSequence) -> list[str]:
        if self.mobile_mode:
            return ["mobile-code"]
        if seq.payment is PaymentKind.CASH:
            return ["tendered"]
        return []

    def settle_keys(self, seq: FuelingSequence) -> list[Key]:
        if self.mobile_enabled and not self.mobile_mode:
            # Priority: the cash field has focus, and an "m" typed there is no amount anyway.
            return [Key("m,M", "mobile", "key.mobile", priority=True)]
        return []

    @property
    def mobile_enabled(self) -> bool:
        return self.core.mobile_pay is not None

    def settle_texts(self, seq: FuelingSequence) -> tuple[str, str]:
        lang = self.lang
        fill = self.core._fill_for(self.lane_key)
        if fill is None:
            return "", ""
        if self.mobile_mode:
            return self._phrase("phrase.settle_mobile", amount=format_yuan(fill.amount_fen)), t(
                "do.settle_mobile", lang
            )
        due = self._phrase(
            "phrase.settle_due",
            quantity=format_centi(fill.quantity_centi),
            unit=fill.unit,
            amount=format_yuan(fill.amount_fen),
        )
        more = f"  {t('do.or_mobile', lang)}" if self.mobile_enabled else ""
        if seq.payment is PaymentKind.CASH:
            if self.pending_tender is not None:
                change = self.pending_tender - fill.amount_fen
                return self._phrase(
                    "phrase.settle_cash", tendered=format_yuan(self.pending_tender), change=format_yuan(change)
                ), t("do.settle_cash", lang) + f"  [b]{t('settle.counterfeit', lang)}? ⏎[/b]"
            return due, t("do.settle_cash", lang) + more
        return due, t("do.settle_card", lang) + more

    def settle_placeholders(self) -> None:
        self.query_one("#tendered", Input).placeholder = t("settle.tendered", self.lang)
        self.query_one("#mobile-code", Input).placeholder = t("settle.mobile_code", self.lang)

    def settle_back(self) -> bool:
        """Esc at settle: out of the mobile field back to cash; True when Esc was taken here."""
        if not self.mobile_mode:
            return False
        if self.busy:
            self.show_message(t("pay.wait_answer", self.lang), "warning")
            return True
        self.mobile_mode = False
        self.query_one("#mobile-code", Input).value = ""
        self.show_message("")
        self.render_state(focus=True)
        return True

    def on_code_scanned(self, code: str) -> bool:
        """A serial scanner read the driver's phone at settle: paid by it, no M needed. Elsewhere: not taken."""
        seq = self.seq
        if seq is None or seq.step is not Step.SETTLE or not self.mobile_enabled or self.busy:
            return False
        if not self.mobile_mode:
            self.action_mobile()
        field = self.query_one("#mobile-code", Input)
        field.value = code
        self.post_message(Input.Submitted(field, code))
        return True

    # ------------------------------------------------------------------ keys

    def action_mobile(self) -> None:
        seq = self.seq
        if seq is None or seq.step is not Step.SETTLE or self.busy:
            return
        self.mobile_mode = True
        self.pending_tender = None  # a cash amount half-confirmed is not what is being taken now
        self.query_one("#tendered", Input).value = ""
        self.query_one("#mobile-code", Input).value = ""
        self.show_message("")
        self.render_state(focus=True)

    async def settle_card_now(self) -> None:
        async def charge() -> None:
            self.settle_result = await self.core.settle_card(self.lane_key)
            self.card_view_text = ""  # the balance before the sale would mislead now

        await self._run(charge())

    @on(Input.Submitted, "#tendered")
    async def _tendered(self, event: Input.Submitted) -> None:
        async def settle() -> None:
            tendered = parse_money_input(event.value, "tendered")
            fill = self.core._fill_for(self.lane_key)
            if fill is not None and tendered < fill.amount_fen:
                raise CoreRefused("tendered_too_little", due_fen=fill.amount_fen)
            if self.pending_tender != tendered:
                # First Enter: say the change aloud; the second Enter, after the counterfeit check, commits.
                self.pending_tender = tendered
                return
            self.settle_result = await self.core.settle_cash(self.lane_key, tendered)
            self.pending_tender = None
            self.card_view_text = ""

        await self._run(settle())

    @on(Input.Submitted, "#mobile-code")
    def _mobile_code(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        self.busy = True  # taken before the worker starts: a second Enter cannot start a second payment
        self.show_message(t("pay.asking", self.lang), "warning")
        self._pay_mobile(event.value)

    @work(group="mobile-pay", exclusive=False)
    async def _pay_mobile(self, scanned: str) -> None:
        lang = self.lang

        def user_paying() -> None:
            self.show_message(t("pay.paying", lang), "warning")

        try:
            result = await self.core.settle_mobile(self.lane_key, scanned, user_paying)
        except CoreRefused as exc:
            self.busy = False
            self.show_message(refusal_text(exc, lang))
            return
        except Exception as exc:  # never a traceback on the attendant's screen
            self.busy = False
            self.show_message(t("err.unexpected", lang, detail=type(exc).__name__))
            return
        self.busy = False
        code = self.query_one("#mobile-code", Input)
        code.value = ""
        if result.outcome is MobileOutcome.PAID and result.settled is not None:
            self.mobile_mode = False
            self.settle_result = result.settled
            self.card_view_text = ""
            provider = t(f"pay.provider.{result.pay.provider}", lang)
            amount = format_yuan(result.settled.fill.amount_fen)
            self.render_state(focus=True)
            self.show_message(t("pay.paid", lang, provider=provider, amount=amount), "information")
            return
        if result.outcome is MobileOutcome.REFUSED:
            # A bad scan: the field stays open for the next scan.
            self.show_message(t(result.message_key, lang))
            return
        # Declined or timed out and reversed: nothing taken; back to cash (or the card's Enter).
        self.mobile_mode = False
        self.render_state(focus=True)
        self.show_message(t(result.message_key, lang))
