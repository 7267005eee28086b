"""A manager's credentials in a box: number, PIN and a reason, for whatever needs a manager."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.core import entry
from station.i18n import t
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text


class ManagerAuthScreen(ModalScreen[tuple[str, str, str] | None]):
    """Manager number, PIN and a reason: read by the strict parser here, checked by the core by the caller.

    A number or PIN not exactly valid (full-width digits are read as digits) is refused in the box with the
    field named; the fields stay where Tab / Shift+Tab reach them.
    """

    DEFAULT_CSS = """
    ManagerAuthScreen { align: center middle; }
    #box { width: 60; max-width: 100%; height: auto; max-height: 100%; border: double $warning;
           padding: 0 1; background: $panel; }
    #box Input { margin: 0; }
    #why { color: $text-warning; }
    """

    ORDER: ClassVar[tuple[str, ...]] = ("mgr-number", "mgr-pin", "mgr-reason")

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        with Vertical(id="box"):
            yield Static(f"[b]{t('manager.title', lang)}[/b]")
            yield Static(esc(self.why), id="why")
            yield Input(placeholder=t("manager.number", lang), id="mgr-number", max_length=16)
            yield Input(placeholder=t("manager.pin", lang), password=True, id="mgr-pin", max_length=16)
            yield Input(placeholder=t("manager.reason", lang), id="mgr-reason", max_length=200)
            yield Static("", id="mgr-error")
            yield Static("", id="mgr-keys")

    def on_mount(self) -> None:
        self.relabel()
        self.query_one("#mgr-number", Input).focus()

    def relabel(self) -> None:
        lang = app_of(self).language
        self.query_one("#mgr-keys", Static).update(f"[b]{esc(t('modal.next_field', lang))}[/b]")
        apply_bindings(self, [Key("escape", "cancel", "key.back")], lang)
        self.refresh_bindings()

    def _refuse(self, exc: InputError, input_id: str) -> None:
        lang = app_of(self).language
        self.query_one("#mgr-error", Static).update(f"[b red]✗ {esc(refusal_text(exc, lang))}[/]")
        self.query_one(f"#{input_id}", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        idx = self.ORDER.index(event.input.id or "mgr-number")
        if idx < len(self.ORDER) - 1:
            self.query_one(f"#{self.ORDER[idx + 1]}", Input).focus()
            return
        number_text = self.query_one("#mgr-number", Input).value
        pin_input = self.query_one("#mgr-pin", Input)
        reason = self.query_one("#mgr-reason", Input).value
        try:
            number = read_entry(entry.staff_number, number_text, "manager_number")
        except InputError as exc:
            self._refuse(exc, "mgr-number")
            return
        try:
            pin = read_entry(entry.pin, pin_input.value, "manager_pin")
        except InputError as exc:
            pin_input.value = ""
            self._refuse(exc, "mgr-pin")
            return
        if not reason.strip():
            self._refuse(InputError("entry_empty", field="reason"), "mgr-reason")
            return
        self.dismiss((number, pin, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
