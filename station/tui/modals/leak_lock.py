"""A manager clears a leak lock (泄漏锁定): number, PIN and a note of what was checked; the core audits it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.core import entry
from station.core.station import CoreRefused
from station.i18n import t
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text


class LeakLockClearScreen(ModalScreen[bool]):
    """A manager frees a nozzle after a leak: number, PIN and a note of what was checked; the core audits it."""

    DEFAULT_CSS = """
    LeakLockClearScreen { align: center middle; }
    #lock-box { width: 64; height: auto; border: double $error; padding: 0 2; background: $panel; }
    #lock-box Input { height: 3; }
    #lock-why { color: $text-warning; }
    #lock-keys { color: $text-muted; }
    """

    def __init__(self, lane_key: tuple[int, int]) -> None:
        super().__init__()
        self.lane_key = lane_key
        self.busy = False

    def compose(self) -> ComposeResult:
        app = app_of(self)
        lang = app.language
        lane = app.core.lane(self.lane_key)
        d, n = self.lane_key
        since = ""
        if lane.leak_locked_since is not None:
            local = lane.leak_locked_since.astimezone(app.core.settings.station.zone)
            cause = t(f"lock.cause.{lane.leak_lock_cause}", lang) if lane.leak_lock_cause else ""
            since = t("lock.since", lang, since=local.strftime("%m-%d %H:%M"), cause=cause)
        with Vertical(id="lock-box"):
            yield Static(f"[b]{t('lock.title', lang, lane=t('lane.name', lang, d=d, n=n))}[/b]")
            yield Static(f"{t('lock.why', lang)}\n{since}", id="lock-why")
            yield Input(placeholder=t("manager.number", lang), id="lock-number", max_length=16)
            yield Input(placeholder=t("manager.pin", lang), password=True, id="lock-pin", max_length=8)
            yield Input(placeholder=t("lock.note", lang), id="lock-note", max_length=200)
            yield Static("", id="lock-error")
            yield Static(t("lock.keys", lang), id="lock-keys")

    def on_mount(self) -> None:
        apply_bindings(self, [Key("escape", "cancel", "key.back")], app_of(self).language)
        self.query_one("#lock-number", Input).focus()

    def show_error(self, text: str) -> None:
        self.query_one("#lock-error", Static).update(f"[b red]✗ {esc(text)}[/]" if text else "")

    @on(Input.Submitted)
    async def _next(self, event: Input.Submitted) -> None:
        order = ["lock-number", "lock-pin", "lock-note"]
        index = order.index(event.input.id or "lock-number")
        if index < len(order) - 1:
            self.query_one(f"#{order[index + 1]}", Input).focus()
            return
        if self.busy:
            return
        app = app_of(self)
        pin_input = self.query_one("#lock-pin", Input)
        self.busy = True
        try:
            number = read_entry(entry.staff_number, self.query_one("#lock-number", Input).value)
            pin = read_entry(entry.pin, pin_input.value)
            note = self.query_one("#lock-note", Input).value
            if not note.strip():
                raise InputError("lock_note_required")
            await app.core.clear_leak_lock(self.lane_key, number, pin, note)
        except (CoreRefused, InputError) as exc:
            pin_input.value = ""  # a PIN is never left in a field after a refusal
            self.show_error(refusal_text(exc, app.language))
            self.query_one(self._field_to_fix(exc), Input).focus()
            return
        finally:
            self.busy = False
        self.dismiss(True)

    @staticmethod
    def _field_to_fix(exc: CoreRefused | InputError) -> str:
        if exc.code == "lock_note_required":
            return "#lock-note"
        if exc.params.get("field") == "staff_number" or exc.code == "manager_only":
            return "#lock-number"
        return "#lock-pin"

    def action_cancel(self) -> None:
        self.dismiss(False)
