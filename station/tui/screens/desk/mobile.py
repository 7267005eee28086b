"""Scan-to-pay at the desk (移动支付): the latest payment orders with their provider, receipt, amount and state;
a manager refunds a paid one (F8: manager number, PIN and the reason). The list follows the background work
(a refund the provider confirms later, a payment a restart finished) while open."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from station.core.mobile_refunds import MobileSale, MobileSalesDesk
from station.i18n import t
from station.money import format_yuan
from station.printouts.report import local_time
from station.tui.common import Key, app_of, esc
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.desk.base import DeskScreen


class MobileSalesScreen(DeskScreen):
    TITLE_KEY: ClassVar[str] = "mobile.title"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MobileSale] = []
        self.selected = 0

    @property
    def sales(self) -> MobileSalesDesk:
        return MobileSalesDesk(app_of(self).core)

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="mobile-help")
            yield Static("", id="mobile-list")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("escape", "back", "key.back"),
            Key("f8", "refund", "mobile.key.refund"),
            Key("up", "move(-1)", "mobile.key.refund", show=False),
            Key("down", "move(1)", "mobile.key.refund", show=False),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.run_worker(self.load(), group="mobile")
        self.set_interval(5, lambda: self.run_worker(self.load(), group="mobile", exclusive=True))

    async def load(self) -> None:
        try:
            self.rows = await self.sales.sales(limit=10)
        except Exception as exc:
            self.refuse(exc)
            return
        self.selected = min(self.selected, max(len(self.rows) - 1, 0))
        self.refresh_body()

    def refresh_body(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        self.query_one("#mobile-help", Static).update(t("mobile.help", lang))
        lines = []
        for i, sale in enumerate(self.rows):
            o = sale.order
            mark = "▶" if i == self.selected else " "
            receipt = f"{sale.receipt_no:>8}" if sale.receipt_no else " " * 8
            when = local_time(o.created_at)[-8:]  # hh:mm:ss: the list is the latest few
            lines.append(
                f"{mark} {when} {t('pay.provider.' + o.provider, lang)} {receipt} ¥{format_yuan(o.amount_fen):>8} "
                f"{t('mobile.state.' + o.state, lang)}\n    {esc(o.order_no)}"
            )
        self.query_one("#mobile-list", Static).update("\n".join(lines) or t("mobile.none", lang))

    def action_move(self, step: int) -> None:
        if self.rows:
            self.selected = (self.selected + step) % len(self.rows)
            self.refresh_body()

    def action_refund(self) -> None:
        if not self.rows:
            return
        chosen = self.rows[self.selected].order
        amount = format_yuan(chosen.amount_fen)

        async def checked(result: tuple[str, str, str] | None) -> None:
            if result is None:
                return
            number, pin, reason = result
            try:
                manager = await self.sales.manager(number, pin)
                done = await self.sales.refund(manager, chosen.order_no, reason)
            except Exception as exc:
                self.refuse(exc)
                return
            if done:
                self.show(t("mobile.refunded", self.lang, order=chosen.order_no, amount=amount), "information")
            else:
                self.show(t("mobile.refund_pending", self.lang, order=chosen.order_no), "warning")
            await self.load()

        why = t("mobile.why.refund", self.lang, order=chosen.order_no, amount=amount)
        self.app.push_screen(ManagerAuthScreen(why), checked)
