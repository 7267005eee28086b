"""Asking before leaving: quit (Ctrl+Q) and log out (Ctrl+L) name the work still open and wait for ⏎ or Esc."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from station.core.lanes import NozzleState
from station.core.sequence import ORDER, Step
from station.core.station import StationCore
from station.i18n import Language, t
from station.money import format_yuan
from station.tui.common import Key, app_of, apply_bindings, esc, modal_keys

# A nozzle in one of these states may be delivering gas whatever the sequence says.
DELIVERING = (NozzleState.AUTHORIZED, NozzleState.FILLING)


# Before the authorization nothing of a sequence is in the ledger (no gas, nothing owed): a quit loses it, and the
# driver's sequence starts again after the restart. A log-out keeps it in this process.
BEFORE_AUTHORIZATION = tuple(ORDER[: ORDER.index(Step.FILLING)])


def open_work(core: StationCore, lang: Language, kind: str = "logout") -> list[str]:
    """One line per nozzle with something running: a sequence in progress, a delivery, unpaid fills."""
    lines: list[str] = []
    for lane in core.lanes.values():
        name = t("lane.name", lang, d=lane.dispenser, n=lane.nozzle)
        seq = lane.sequence
        if seq is not None and not seq.finished:
            line = t("leave.sequence", lang, lane=name, step=t("step." + seq.step.value, lang))
            if kind == "quit" and seq.step in BEFORE_AUTHORIZATION:
                line += t("leave.starts_again", lang)
            lines.append(line)
        elif lane.state in DELIVERING:
            lines.append(t("leave.delivering", lang, lane=name, state=t(f"nozzle.{lane.state.name.lower()}", lang)))
        if lane.unpaid:
            total = sum(fill.amount_fen for fill in lane.unpaid)
            lines.append(t("leave.unpaid", lang, lane=name, count=len(lane.unpaid), amount=format_yuan(total)))
    return lines


class LeaveConfirmScreen(ModalScreen[bool]):
    """Quit or log out with work open: the open work is named; ⏎ leaves anyway, Esc goes back."""

    DEFAULT_CSS = """
    LeaveConfirmScreen { align: center middle; }
    #leave-box { width: 64; max-width: 100%; height: auto; max-height: 100%;
                 border: double $warning; padding: 0 1; background: $panel; }
    #leave-keys { margin-top: 1; }
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind  # "quit" or "logout"

    def compose(self) -> ComposeResult:
        with Vertical(id="leave-box"):
            yield Static("", id="leave-text")
            yield Static("", id="leave-keys")

    def on_mount(self) -> None:
        self.relabel()

    def relabel(self) -> None:
        app = app_of(self)
        lang = app.language
        lines = [f"[b]{t(f'leave.{self.kind}_title', lang)}[/b]", t("leave.running", lang)]
        lines += [f"[b red]⚠ {esc(line)}[/]" for line in open_work(app.core, lang, self.kind)]
        lines.append(t("leave.kept_quit" if self.kind == "quit" else "leave.kept", lang))
        self.query_one("#leave-text", Static).update("\n".join(lines))
        self.query_one("#leave-keys", Static).update(modal_keys(lang, f"leave.{self.kind}"))
        keys = [Key("enter", "confirm", f"leave.{self.kind}"), Key("escape", "cancel", "key.back")]
        apply_bindings(self, keys, lang)
        self.refresh_bindings()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
