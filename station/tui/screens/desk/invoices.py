"""Digital invoices at the desk (数电发票): a receipt's QR scanned (a scanner types it into the first field) or its
number and amount typed, the buyer filled in, the request kept and sent by the worker; the latest requests
listed with their state; a manager reverses an issued one (红冲). Any logged-in staff may request one."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from station.core.invoices import InvoiceDesk
from station.core.views import Buyer, InvoiceView
from station.i18n import t
from station.money import format_yuan
from station.tui.common import Key, app_of, esc
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.desk.base import DeskScreen, parse_amount

FIELDS = ("link", "amount", "buyer", "tax", "email")


def is_link(text: str) -> bool:
    """A scanned QR is a link; a receipt number is digits."""
    return "://" in text or "?" in text


class InvoicesScreen(DeskScreen):
    TITLE_KEY: ClassVar[str] = "invoices.title"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[InvoiceView] = []
        self.selected = 0

    @property
    def invoices(self) -> InvoiceDesk:
        return InvoiceDesk(app_of(self).core)

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="invoice-help")
            for name in FIELDS:
                yield self.field(f"invoices.f.{name}", f"i-{name}", max_length=512 if name == "link" else 64)
            yield Static("", id="invoice-list")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("escape", "back", "key.back"),
            Key("f8", "reverse", "invoices.key.reverse"),
            Key("up", "move(-1)", "invoices.f.link", show=False),
            Key("down", "move(1)", "invoices.f.link", show=False),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#i-link", Input).focus()
        self.run_worker(self.load(), group="invoices")
        # The worker sends requests in the background: the list follows them (requested → issued) while open.
        self.set_interval(5, lambda: self.run_worker(self.load(), group="invoices", exclusive=True))

    async def load(self) -> None:
        try:
            self.rows = await self.invoices.requests(limit=8)
        except Exception as exc:
            self.refuse(exc)
            return
        self.selected = min(self.selected, max(len(self.rows) - 1, 0))
        self.refresh_body()

    def refresh_body(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        self.query_one("#invoice-help", Static).update(t("invoices.help", lang))
        lines = []
        for i, v in enumerate(self.rows):
            mark = "▶" if i == self.selected else " "
            number = v.red_invoice_no or v.provider_invoice_no or ""
            lines.append(
                f"{mark} {v.receipt_no:>8} ¥{format_yuan(v.amount_fen):>9} "
                f"{t('invoices.state.' + v.state, lang)} {esc(v.buyer.name)} {esc(number)}"
            )
        self.query_one("#invoice-list", Static).update("\n".join(lines) or t("invoices.none", lang))

    def action_move(self, step: int) -> None:
        if self.rows:
            self.selected = (self.selected + step) % len(self.rows)
            self.refresh_body()

    def _value(self, name: str) -> str:
        return self.query_one(f"#i-{name}", Input).value.strip()

    @on(Input.Submitted, ".form-row Input")
    async def _field(self, event: Input.Submitted) -> None:
        event.stop()
        fields = [self.query_one(f"#i-{name}", Input) for name in FIELDS]
        if event.input is fields[0] and is_link(self._value("link")):
            fields[2].focus()  # a scanned link carries the amount: straight to the buyer
            return
        if event.input is not fields[-1]:
            fields[fields.index(event.input) + 1].focus()
            return
        await self._request()

    async def _request(self) -> None:
        buyer = Buyer(self._value("buyer"), self._value("tax"), self._value("email"))
        link = self._value("link")
        try:
            if is_link(link):
                view = await self.invoices.request_from_qr(link, buyer)
            else:
                view = await self.invoices.request_for_receipt(
                    link, parse_amount(self._value("amount"), "amount"), buyer
                )
        except Exception as exc:
            self.refuse(exc)
            return
        for name in FIELDS:
            self.query_one(f"#i-{name}", Input).value = ""
        self.query_one("#i-link", Input).focus()
        self.show(
            t(
                "invoices.requested",
                self.lang,
                receipt=view.receipt_no,
                amount=format_yuan(view.amount_fen),
                tax=format_yuan(view.tax_fen),
                email=view.buyer.email or "—",
            ),
            "information",
        )
        self.selected = 0
        await self.load()

    def action_reverse(self) -> None:
        if not self.rows:
            return
        chosen = self.rows[self.selected]

        async def checked(result: tuple[str, str, str] | None) -> None:
            if result is None:
                return
            number, pin, reason = result
            try:
                manager = await self.invoices.manager(number, pin)
                await self.invoices.reverse(manager, chosen.receipt_no, reason)
            except Exception as exc:
                self.refuse(exc)
                return
            self.show(t("invoices.reversing", self.lang, receipt=chosen.receipt_no), "information")
            await self.load()

        why = t("invoices.why.reverse", self.lang, receipt=chosen.receipt_no)
        self.app.push_screen(ManagerAuthScreen(why), checked)
