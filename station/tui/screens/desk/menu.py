"""The desk's menu (站长台): O open shift, D cash drop, C close shift, R reconciliation, T reports, P prices,
K complaints, B callbacks, I invoices, M mobile payments, G charts."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from station.core.callbacks import CallbackDesk
from station.core.complaints import ComplaintDesk
from station.core.views import Actor
from station.i18n import t
from station.money import format_yuan
from station.tui.common import Key, app_of
from station.tui.screens.desk.base import DESK_CSS, DeskScreen, drawer_lines, pad
from station.tui.screens.desk.callbacks import CallbacksScreen
from station.tui.screens.desk.cash_drop import CashDropScreen
from station.tui.screens.desk.charts import ChartsScreen
from station.tui.screens.desk.complaints import ComplaintsScreen
from station.tui.screens.desk.invoices import InvoicesScreen
from station.tui.screens.desk.mobile import MobileSalesScreen
from station.tui.screens.desk.prices import PriceScreen
from station.tui.screens.desk.reconciliation import ReconciliationScreen
from station.tui.screens.desk.reports import ReportsScreen
from station.tui.screens.desk.shifts import CloseShiftScreen, OpenShiftScreen
from station.tui.widgets.sync_line import sync_line


class ManagerDeskScreen(DeskScreen):
    """The desk's menu: O open shift, D cash drop, C close shift, R reconciliation, T reports, P prices."""

    DEFAULT_CSS = (
        DESK_CSS
        + """
    #desk-menu { height: auto; padding: 1 2; border: round $primary; margin: 1 0; }
    """
    )

    def __init__(self, manager: Actor | None = None, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self._status: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="desk-status")
            yield Static("", id="desk-menu")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("o", "open_shift", "desk.key.open"),
            Key("d", "drop", "desk.key.drop"),
            Key("c", "close_shift", "desk.key.close"),
            Key("r", "reconciliation", "desk.key.reconciliation"),
            Key("t", "reports", "desk.key.reports"),
            Key("p", "prices", "desk.key.prices"),
            Key("k", "complaints", "desk.key.complaints"),
            Key("b", "callbacks", "desk.key.callbacks"),
            Key("i", "invoices", "desk.key.invoices"),
            Key("m", "mobile", "desk.key.mobile"),
            Key("g", "charts", "desk.key.charts"),
            Key("escape", "back", "key.back"),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.run_worker(self.load_status(), group="status")

    def on_screen_resume(self) -> None:
        self.relabel()
        self.run_worker(self.load_status(), group="status")

    async def load_status(self) -> None:
        lang = self.lang
        try:
            shift = await self.desk.current_shift()
            drawer = await self.desk.drawer_status()
            overdue = await ComplaintDesk(app_of(self).core).overdue()
            service = await CallbackDesk(app_of(self).core).due()
            offline, offline_fen = await self.desk.offline_company_use()
        except Exception as exc:
            self.refuse(exc)
            return
        lines = [t("desk.shift_open", lang, shift=shift) if shift else t("desk.no_shift", lang)]
        lines += drawer_lines(drawer, lang)
        if overdue:  # seed 000: answered within 48 hours; the manager sees at once what is late
            lines.append(f"[b red]✗ {t('desk.complaints_overdue', lang, count=overdue)}[/]")
        if service.callbacks_overdue:
            lines.append(f"[b red]✗ {t('desk.callbacks_overdue', lang, count=service.callbacks_overdue)}[/]")
        if offline:  # taken at the station's risk while head office was out of reach
            lines.append(
                f"[dark_orange]! {t('desk.company_offline', lang, count=offline, amount=format_yuan(offline_fen))}[/]"
            )
        line = sync_line(app_of(self).core, lang)  # head office: what is not sent yet
        if line:
            lines.append(line)
        self._status = lines
        self.query_one("#desk-status", Static).update("\n".join(lines))

    def menu_items(self) -> list[tuple[str, str]]:
        """The menu's lines: the key as written, and its catalogue key."""
        return [
            ("O", "desk.menu.open"),
            ("D", "desk.menu.drop"),
            ("C", "desk.menu.close"),
            ("R", "desk.menu.reconciliation"),
            ("T", "desk.menu.reports"),
            ("P", "desk.menu.prices"),
            ("K", "desk.menu.complaints"),
            ("B", "desk.menu.callbacks"),
            ("I", "desk.menu.invoices"),
            ("M", "desk.menu.mobile"),
            ("G", "desk.menu.charts"),
            ("Esc", "desk.menu.back"),
        ]

    def refresh_body(self) -> None:
        lang = self.lang
        items = self.menu_items()
        width = max(4, *(len(k) for k, _key in items))
        self.query_one("#desk-menu", Static).update(
            "\n".join(f"[b]{pad(k, width)}[/b] {t(key, lang)}" for k, key in items)
        )
        if self.is_mounted:
            self.run_worker(self.load_status(), group="status")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open_shift(self) -> None:
        async def go(manager: Actor) -> None:
            self.app.push_screen(OpenShiftScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.open", go)

    def action_drop(self) -> None:
        self.app.push_screen(CashDropScreen(self.manager, export_dir=self.export_dir))

    def action_close_shift(self) -> None:
        async def go(manager: Actor) -> None:
            try:
                shift = await self.desk.current_shift()
            except Exception as exc:
                self.refuse(exc)
                return
            if shift is None:
                self.show(t("err.no_open_shift", self.lang))
                return
            self.app.push_screen(CloseShiftScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.close", go)

    def action_reconciliation(self) -> None:
        async def go(manager: Actor) -> None:
            try:
                rec = await self.desk.reconciliation()
            except Exception as exc:
                self.refuse(exc)
                return
            self.app.push_screen(ReconciliationScreen(rec, manager=manager, export_dir=self.export_dir))

        self.with_manager("desk.why.reports", go)

    def action_reports(self) -> None:
        async def go(manager: Actor) -> None:
            self.app.push_screen(ReportsScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.reports", go)

    def action_invoices(self) -> None:
        self.app.push_screen(InvoicesScreen())

    def action_mobile(self) -> None:
        self.app.push_screen(MobileSalesScreen())

    def action_charts(self) -> None:
        self.app.push_screen(ChartsScreen())

    def action_complaints(self) -> None:
        self.app.push_screen(ComplaintsScreen())

    def action_callbacks(self) -> None:
        self.app.push_screen(CallbacksScreen())

    def action_prices(self) -> None:
        async def go(manager: Actor) -> None:
            self.app.push_screen(PriceScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.prices", go)
