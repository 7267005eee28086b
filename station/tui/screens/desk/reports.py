"""The reports (报表): shift, day, attendants, unpaid, overrides, satisfaction; print, export, close the day (日结)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from station.config import STATION_TZ
from station.core.desk import REPORT_KINDS
from station.core.views import Actor
from station.i18n import t
from station.printouts.report import Report
from station.tui.common import Key, app_of, esc
from station.tui.modals.day_close import DayCloseConfirmScreen
from station.tui.screens.desk.base import DESK_CSS, DeskScreen, export_report, print_report
from station.tui.widgets.report_view import report_lines


class ReportsScreen(DeskScreen):
    """1 shift, 2 day, 3 attendants, 4 unpaid, 5 overrides; P print, E export, K close the day."""

    TITLE_KEY = "desk.reports.title"
    DEFAULT_CSS = (
        DESK_CSS
        + """
    #report-scroll { height: 1fr; padding: 0 1; }
    """
    )

    def __init__(self, manager: Actor, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.kind = "shift"
        self.report: Report | None = None
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield Static("", id="report-keys", classes="desk-message")  # 1–5 here: the footer has no room for them
        with VerticalScroll(id="report-scroll"):
            yield Static("", id="report")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            *[Key(str(i), f"show({i})", f"desk.report.{k}", show=False) for i, k in enumerate(REPORT_KINDS, start=1)],
            Key("p", "print", "desk.key.print"),
            Key("e", "export", "desk.key.export"),
            Key("k", "day_close", "desk.key.day_close"),
            Key("escape", "back", "key.back"),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#report-scroll", VerticalScroll).focus()
        self.run_worker(self.load(), group="report", exclusive=True)

    async def load(self) -> None:
        try:
            self.report = await self.desk.report(self.kind)
        except Exception as exc:
            self.report = None
            self.query_one("#report", Static).update("")
            self.refuse(exc)
            return
        self.refresh_body()

    def refresh_body(self) -> None:
        lang = self.lang
        kinds = [f"[b]{i}[/b] {t(f'desk.report.{k}', lang)}" for i, k in enumerate(REPORT_KINDS, start=1)]
        self.query_one("#report-keys", Static).update(" · ".join(kinds))
        if self.report is None:
            return
        lines = report_lines(self.report, lang, self.query_one("#report", Static).content_size.width or 76)
        self.query_one("#report", Static).update(esc("\n".join(lines)))

    def action_show(self, index: int) -> None:
        self.kind = REPORT_KINDS[index - 1]
        self.show("")
        self.run_worker(self.load(), group="report", exclusive=True)

    async def action_print(self) -> None:
        if self.report is not None:
            await print_report(self, self.report)

    async def action_export(self) -> None:
        if self.report is not None:
            self.exported = await export_report(self, self.report)

    def action_day_close(self) -> None:
        """Closing the day cannot be undone: ask first (Enter confirms, Esc goes back), then the manager."""
        day = app_of(self).core.ledger.now().astimezone(STATION_TZ).date()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.with_manager("desk.why.day_close", go)

        async def go(manager: Actor) -> None:
            try:
                day = await self.desk.day_close(manager)
            except Exception as exc:
                self.refuse(exc)
                return
            self.show(t("desk.day_closed", self.lang, date=day.business_date.isoformat()), "information")
            self.kind = "day"
            await self.load()

        self.app.push_screen(DayCloseConfirmScreen(day), confirmed)
