"""日结 (closing the day) asks once more in a box of its own: ⏎ closes the day, Esc goes back."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from station.i18n import t
from station.tui.common import Key, app_of, apply_bindings, modal_keys


class DayCloseConfirmScreen(ModalScreen[bool]):
    """日结 asks once more: after it the day takes no more shifts or money."""

    DEFAULT_CSS = """
    DayCloseConfirmScreen { align: center middle; }
    #day-close-box { width: 60; height: auto; border: double $warning; padding: 1 2; background: $panel; }
    """

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        text = "\n".join(
            [
                f"[b]{t('desk.day_close.title', lang, date=self.day.isoformat())}[/b]",
                "",
                t("desk.day_close.warning", lang),
                "",
                modal_keys(lang, "desk.day_close.confirm"),
            ]
        )
        with Vertical(id="day-close-box"):
            yield Static(text, id="day-close-text")

    def on_mount(self) -> None:
        keys = [Key("enter", "confirm", "desk.day_close.confirm"), Key("escape", "cancel", "key.back")]
        apply_bindings(self, keys, app_of(self).language)

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
