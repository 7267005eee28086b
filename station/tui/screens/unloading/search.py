"""Searching the unloading log by trailer, supplier, note number or date; print a record, export CSV."""

from __future__ import annotations

import asyncio
import datetime as dt

from rich.cells import set_cell_size
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core.views import (
    UnloadingLog,
    UnloadingView,
)
from station.i18n import Language, t
from station.printouts.unloading import fmt_centi
from station.tui.common import Key, app_of, apply_bindings, esc
from station.tui.screens.unloading.record import export_dir, write_csv
from station.tui.widgets.footer import StationFooter


class UnloadingListScreen(Screen[None]):
    """Search the log by trailer, supplier, note number or date; Enter searches, F5 exports what is shown."""

    DEFAULT_CSS = """
    #list-head { height: 1; background: $primary; padding: 0 1; }
    #results { height: 1fr; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.results: list[UnloadingView] = []

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        yield Static(t("unload.list_title", lang), id="list-head")
        yield Input(placeholder=t("unload.search", lang), id="query", max_length=32)
        yield Static("", id="results")
        yield StationFooter()

    def on_mount(self) -> None:
        apply_bindings(
            self,
            [Key("f5", "export", "unload.key.export"), Key("escape", "back", "key.back")],
            app_of(self).language,
        )
        self.query_one("#query", Input).focus()
        self.search("")

    @on(Input.Submitted)
    def _go(self, event: Input.Submitted) -> None:
        self.search(event.value)

    @work(exclusive=True)
    async def search(self, text: str) -> None:
        log = UnloadingLog(app_of(self).core.ledger)
        text = text.strip()
        try:
            day = dt.date.fromisoformat(text) if len(text) == 10 and text[4] == "-" else None
        except ValueError:
            day = None
        if day is not None:
            views = await asyncio.to_thread(log.search, day_from=day, day_to=day)
        else:
            views = await asyncio.to_thread(log.search, text=text)
        self.results = views
        lang = app_of(self).language
        if not views:
            self.query_one("#results", Static).update(t("unload.none_found", lang))
            return
        rows = []
        for v in views[:18]:
            when = v.arrived_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%m-%d %H:%M")
            flag = "[red]✗[/]" if v.flagged else "[green]✓[/]" if v.received_centi is not None else "·"
            rows.append(" ".join([f"{v.id:>4} {when}", *self._cells(v, lang), flag, self._cell(v.status, lang)]))
        self.query_one("#results", Static).update("\n".join(rows))

    # Columns in terminal cells (a Chinese character is two): a row never wraps at 80 columns.
    COLUMNS = (("trailer_plate", 10), ("supplier", 10), ("note_number", 11))

    @classmethod
    def _cells(cls, view: UnloadingView, lang: Language) -> list[str]:
        out = [esc(set_cell_size(str(getattr(view, name)), width)) for name, width in cls.COLUMNS]
        out.append(set_cell_size(fmt_centi(view.received_centi).rjust(9), 9))
        return out

    @staticmethod
    def _cell(status: str, lang: Language) -> str:
        return esc(set_cell_size(t("unload.status." + status, lang), 15).rstrip())

    @work(exclusive=True, group="export")
    async def action_export(self) -> None:
        path = export_dir(self) / f"unloadings-{dt.datetime.now():%Y%m%d-%H%M%S}.csv"
        await asyncio.to_thread(write_csv, self.results, path, app_of(self).language)
        self.notify(t("unload.exported", app_of(self).language, path=str(path)))

    def action_back(self) -> None:
        self.app.pop_screen()
