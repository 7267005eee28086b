"""The unloading log's small boxes: an interruption reason picked with a digit, a typed value, the measured stock."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.core.views import (
    INTERRUPT_REASONS,
)
from station.i18n import t
from station.tui.common import Key, app_of, apply_bindings, modal_keys


class ReasonScreen(ModalScreen[str | None]):
    """Pick an interruption reason with a digit key."""

    DEFAULT_CSS = """
    ReasonScreen { align: center middle; }
    #box { width: 44; height: auto; border: double $error; padding: 1 2; background: $panel; }
    """

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        lines = [f"[b]{t('unload.reason.title', lang)}[/b]", ""]
        lines += [f" [b]{i}[/b]  {t('unload.reason.' + r, lang)}" for i, r in enumerate(INTERRUPT_REASONS, start=1)]
        lines += ["", modal_keys(lang, pick=len(INTERRUPT_REASONS))]
        with Vertical(id="box"):
            yield Static("\n".join(lines))

    def on_mount(self) -> None:
        keys = [Key(str(i), f"pick({i})", "unload.key.interrupt", show=False) for i in range(1, 5)]
        apply_bindings(self, [*keys, Key("escape", "cancel", "key.back")], app_of(self).language)

    def action_pick(self, i: int) -> None:
        self.dismiss(INTERRUPT_REASONS[i - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line typed in a box: Enter gives it back, Esc gives None."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    #box { width: 50; height: auto; border: double $accent; padding: 1 2; background: $panel; }
    """

    def __init__(self, title_key: str, field_key: str, max_length: int = 16) -> None:
        super().__init__()
        self.title_key, self.field_key, self.max_length = title_key, field_key, max_length

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        with Vertical(id="box"):
            yield Static(f"[b]{t(self.title_key, lang)}[/b]")
            # No character filter: a typed '-' must be seen and refused, not silently dropped.
            yield Input(placeholder=t(self.field_key, lang), max_length=self.max_length, id="qty")
            yield Static(modal_keys(lang))

    def on_mount(self) -> None:
        apply_bindings(self, [Key("escape", "cancel", "key.back")], app_of(self).language)
        self.query_one("#qty", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MeasuredStockScreen(PromptScreen):
    """Type the measured gas stock (kg) read from the storage bank."""

    def __init__(self) -> None:
        super().__init__("unload.measure_title", "unload.measure_field")
