"""Why a sequence is aborted: one digit picks the reason."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from station.core.sequence import AbortReason
from station.i18n import t
from station.tui.common import Key, app_of, apply_bindings, modal_keys


class AbortScreen(ModalScreen[AbortReason | None]):
    DEFAULT_CSS = """
    AbortScreen { align: center middle; }
    #box { width: 50; height: auto; border: double $error; padding: 1 2; background: $panel; }
    """

    REASONS: ClassVar[list[AbortReason]] = [
        AbortReason.DRIVER_LEFT,
        AbortReason.SAFETY_REFUSED,
        AbortReason.LEAK,
        AbortReason.CARD_REFUSED,
        AbortReason.CYLINDER_REFUSED,
        AbortReason.LOW_RESIDUAL_PRESSURE,
        AbortReason.CYLINDER_FULL,
        AbortReason.DISPENSER_FAULT,
        AbortReason.ATTENDANT,
    ]

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        lines = [f"[b]{t('abort.title', lang)}[/b]", ""]
        lines += [f" [b]{i}[/b]  {t('abort.' + r.value, lang)}" for i, r in enumerate(self.REASONS, start=1)]
        lines += ["", modal_keys(lang, pick=len(self.REASONS))]
        with Vertical(id="box"):
            yield Static("\n".join(lines))

    def on_mount(self) -> None:
        keys = [Key(str(i), f"pick({i})", "key.abort", show=False) for i in range(1, len(self.REASONS) + 1)]
        apply_bindings(self, [*keys, Key("escape", "cancel", "key.back")], app_of(self).language)

    def action_pick(self, index: int) -> None:
        self.dismiss(self.REASONS[index - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)
