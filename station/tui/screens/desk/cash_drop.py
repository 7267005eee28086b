"""A cash drop (投库): cash from the drawer to the safe, the drawer and its limit shown."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from station.core.station import CoreRefused
from station.core.views import DrawerStatus
from station.i18n import t
from station.money import format_yuan
from station.tui.common import app_of
from station.tui.screens.desk.base import DeskScreen, drawer_lines, parse_amount


class CashDropScreen(DeskScreen):
    """Cash from the drawer to the safe: any logged-in staff; the drawer and its limit shown."""

    TITLE_KEY = "desk.drop.title"

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="drawer")
            yield self.field("desk.drop_amount", "amount", placeholder="1000.00", max_length=12)
            yield Static("", id="drops")
        yield from self.compose_tail()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#amount", Input).focus()
        self.run_worker(self.load(), group="drawer")

    async def load(self) -> None:
        try:
            status = await self.desk.drawer_status()
        except Exception as exc:
            self.refuse(exc)
            return
        self.render_status(status)

    def render_status(self, status: DrawerStatus) -> None:
        self.query_one("#drawer", Static).update("\n".join(drawer_lines(status, self.lang)))

    def refresh_body(self) -> None:
        if self.is_mounted:
            self.run_worker(self.load(), group="drawer")

    @on(Input.Submitted, "#amount")
    async def _drop(self) -> None:
        core = app_of(self).core
        field = self.query_one("#amount", Input)
        try:
            amount = parse_amount(field.value, "drop")
            actor = core.actor
            if actor is None:
                raise CoreRefused("not_logged_in")
            status = await self.desk.cash_drop(actor, amount)
        except Exception as exc:
            self.refuse(exc)
            return
        field.value = ""
        self.render_status(status)
        self.show(
            t("desk.dropped", self.lang, amount=format_yuan(amount), cash=format_yuan(status.cash_fen)),
            "warning" if status.warning else "information",
        )
