"""The card services themselves: recharge, report lost, issue, PIN reset, replace, close and adjust, with the
manager (and, for a large adjustment, a second manager) asked first where the service needs one."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from station.core.views import Actor, CardView
from station.i18n import t
from station.money import format_yuan
from station.tui.common import app_of
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.cards.form import CardForm


class CardServiceCalls(CardForm):
    def _ask_manager(self, action: str, params: dict[str, Any]) -> None:
        card = self.card
        lang = self.lang
        masked = card.masked_number if card else ""
        why = t(f"cards.why.{action}", lang, card=masked, amount=format_yuan(params.get("amount", 0)))

        def done(result: tuple[str, str, str] | None) -> None:
            if result is None:
                self.show_message(t("cards.cancelled", self.lang), "warning")
                return
            self.run_worker(self._with_manager(action, params, *result))

        self.app.push_screen(ManagerAuthScreen(why), done)

    async def _with_manager(self, action: str, params: dict[str, Any], number: str, pin: str, reason: str) -> None:
        manager: Actor | None = None

        async def auth() -> None:
            nonlocal manager
            manager = await self.desk.manager(number, pin)

        if not await self._run(auth()) or manager is None:
            return
        if action == "issue":
            await self._issue(params, manager)
        elif action == "pin":
            await self._reset_pin(manager, params["pin"], reason)
        elif action == "replace":
            await self._replace(manager, params)
        elif action == "close":
            await self._close(manager, reason)
        elif action == "adjust":
            amount = params["amount"]
            if self.desk.needs_second_manager(amount):
                self._ask_second_manager(manager, amount, reason)
            else:
                await self._adjust(manager, amount, reason, None)

    def _ask_second_manager(self, manager: Actor, amount: int, reason: str) -> None:
        limit = app_of(self).core.settings.thresholds.adjustment_approval_limit
        why = t("cards.why.second", self.lang, amount=format_yuan(amount), limit=format_yuan(limit))

        def done(result: tuple[str, str, str] | None) -> None:
            if result is None:
                self.show_message(t("err.second_manager_required", self.lang))
                return
            self.run_worker(self._second(manager, amount, reason, result))

        self.app.push_screen(ManagerAuthScreen(why), done)

    async def _second(self, manager: Actor, amount: int, reason: str, creds: tuple[str, str, str]) -> None:
        approver: Actor | None = None

        async def auth() -> None:
            nonlocal approver
            approver = await self.desk.manager(creds[0], creds[1])

        if await self._run(auth()) and approver is not None:
            await self._adjust(manager, amount, f"{reason} / {creds[2]}", approver)

    async def _recharge(self, amount: int) -> None:
        card = self.card
        if card is None:
            return
        outcome_box: list[Any] = []

        async def go() -> None:
            outcome_box.append(await self.desk.recharge(card.number, amount, self.lang))
            await self._reload()

        if await self._run(go()):
            outcome = outcome_box[0]
            self._set_mode("idle")
            self.info_lines = [t("settle.receipt", self.lang), *outcome.slip.lines]
            self.render_all()
            self._slip_message(
                outcome.slip,
                t(
                    "cards.recharged",
                    self.lang,
                    amount=format_yuan(amount),
                    balance=format_yuan(outcome.card.balance_fen),
                ),
            )

    async def _report_lost(self) -> None:
        card = self.card
        if card is None:
            return
        await self._done(
            lambda: self.desk.report_lost(card.number), t("cards.lost_done", self.lang, card=card.masked_number)
        )

    async def _issue(self, params: dict[str, Any], manager: Actor | None) -> None:
        issued: list[CardView] = []

        async def go() -> None:
            issued.append(
                await self.desk.issue(
                    number=params["number"],
                    uid=params["uid"],
                    card_type=params["card_type"],
                    holder=params["holder"],
                    pin=params["pin"],
                    phone=params["phone"],
                    plates=params["plates"],
                    credit_limit_fen=params["limit"],
                    staff_number=params["staff"],
                    manager=manager,
                )
            )

        if await self._run(go()):
            self.card = issued[0]
            self.query_one("#card-number", Input).value = self.card.number
            self._set_mode("idle")
            self.show_message(t("cards.issued", self.lang, number=self.card.number), "information")

    async def _reset_pin(self, manager: Actor, pin: str, reason: str) -> None:
        card = self.card
        if card is None:
            return
        await self._done(
            lambda: self.desk.reset_pin(manager, card.number, pin, reason),
            t("cards.pin_done", self.lang, card=card.masked_number),
        )

    async def _replace(self, manager: Actor, params: dict[str, Any]) -> None:
        card = self.card
        if card is None:
            return
        result: list[Any] = []

        async def go() -> None:
            result.append(
                await self.desk.replace(
                    manager,
                    card.number,
                    new_number=params["number"],
                    new_uid=params["uid"],
                    cause=params["cause"],
                    pin=params["pin"],
                )
            )

        if await self._run(go()):
            outcome = result[0]
            self.card = outcome.card
            self.query_one("#card-number", Input).value = outcome.card.number
            self._set_mode("idle")
            self.show_message(
                t(
                    "cards.replaced",
                    self.lang,
                    old=outcome.old_number,
                    new=outcome.card.number,
                    moved=format_yuan(outcome.moved_fen),
                    fee=format_yuan(outcome.fee_fen),
                ),
                "information",
            )

    async def _close(self, manager: Actor, reason: str) -> None:
        card = self.card
        if card is None:
            return
        result: list[Any] = []

        async def go() -> None:
            result.append(await self.desk.close(manager, card.number, reason, self.lang))
            await self._reload()

        if await self._run(go()):
            outcome = result[0]
            self._set_mode("idle")
            self.info_lines = [t("settle.receipt", self.lang), *outcome.slip.lines]
            self.render_all()
            self._slip_message(outcome.slip, t("cards.closed", self.lang, refund=format_yuan(outcome.refund_fen)))

    async def _adjust(self, manager: Actor, amount: int, reason: str, approver: Actor | None) -> None:
        card = self.card
        if card is None:
            return
        await self._done(
            lambda: self.desk.adjust(manager, card.number, amount, reason, approver),
            t("cards.adjusted", self.lang, amount=format_yuan(amount)),
        )
