"""The shift reconciliation (对账) of SPEC §6: the screen that shows, prints, exports and signs it off (its lines
are laid out in ``reconciliation_lines``)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from station.core.views import Actor, Reconciliation
from station.i18n import t
from station.printouts.report import Report
from station.tui.common import Key, app_of
from station.tui.screens.desk.base import (
    DESK_CSS,
    DeskScreen,
    export_report,
    print_report,
    problem_names,
)
from station.tui.screens.desk.reconciliation_lines import reconciliation_lines


class ReconciliationScreen(DeskScreen):
    """The reconciliation, scrollable. P prints, E exports CSV, S signs off; in preview, Enter closes."""

    TITLE_KEY = "desk.rec.title"
    DEFAULT_CSS = (
        DESK_CSS
        + """
    #rec-scroll { height: 1fr; padding: 0 1; }
    """
    )

    def __init__(
        self,
        rec: Reconciliation,
        *,
        manager: Actor | None = None,
        preview: bool = False,
        note: str = "",
        export_dir: Path | None = None,
    ) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.rec = rec
        self.preview = preview
        self.note = note
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        if self.preview:
            yield Static("", id="preview-banner", classes="desk-message")
        with VerticalScroll(id="rec-scroll"):
            yield Static("", id="rec")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        if self.preview:
            return [Key("enter", "confirm", "desk.key.confirm_close"), Key("escape", "back", "desk.key.edit")]
        return [
            Key("left", "shift(-1)", "desk.key.shift_earlier"),
            Key("right", "shift(1)", "desk.key.shift_later"),
            Key("p", "print", "desk.key.print"),
            Key("e", "export", "desk.key.export"),
            Key("s", "sign_off", "desk.key.sign_off"),
            Key("escape", "back", "key.back"),
        ]

    async def action_shift(self, step: int) -> None:
        """← / →: the shift before or after, so any closed shift can be read and signed off."""
        wanted = self.rec.shift_id + step
        if wanted < 1:
            self.show(t("desk.rec.no_earlier", self.lang), "warning")
            return
        try:
            self.rec = await self.desk.reconciliation(wanted)
        except Exception as exc:
            self.refuse(exc)
            return
        self.show("")
        self.refresh_body()
        self.query_one("#rec-scroll", VerticalScroll).scroll_home(animate=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#rec-scroll", VerticalScroll).focus()

    def refresh_body(self) -> None:
        lang = self.lang
        unit = app_of(self).core.settings.station.sale_unit
        self.query_one("#rec", Static).update("\n".join(reconciliation_lines(self.rec, lang, unit)))
        if self.preview:
            if self.rec.needs_note and not self.note:
                text = f"[b red]✗ {t('desk.needs_note', lang, problems=problem_names(self.rec.problems, lang))}[/]"
            else:
                text = f"[b dark_orange]! {t('desk.preview', lang)}[/]"
            self.query_one("#preview-banner", Static).update(text)

    def action_back(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    @property
    def report(self) -> Report:
        return self.desk.report_of(self.rec)

    async def action_print(self) -> None:
        await print_report(self, self.report)

    async def action_export(self) -> None:
        self.exported = await export_report(self, self.report)

    def action_sign_off(self) -> None:
        async def go(manager: Actor) -> None:
            try:
                self.rec = await self.desk.sign_off(manager, self.rec.shift_id)
            except Exception as exc:
                self.refuse(exc)
                return
            self.refresh_body()
            self.show(t("desk.signed_off", self.lang, shift=self.rec.shift_id), "information")

        self.with_manager("desk.why.sign_off", go)
