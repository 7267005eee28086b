"""Leak lock (泄漏锁定) on the screens: the tile's warning lines, the explanation when a leak stops a fill,
and the manager's modal that clears a lock."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.core import entry
from station.core.sequence import FuelingSequence, Step
from station.core.station import CoreRefused, Lane
from station.i18n import Language, t
from station.money import format_centi, format_yuan
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text


def leak_stopped(seq: FuelingSequence) -> bool:
    return seq.step is Step.ABORTED and seq.leak_stopped_at is not None


def leak_texts(seq: FuelingSequence, lane: Lane, lang: Language) -> tuple[str, str]:
    """The sequence screen after a leak stopped it: what to say, and what happened and what to do now."""
    label = f"{lane.dispenser}/{lane.nozzle}"
    zh = t("phrase.leak", "zh")
    say = zh if lang == "zh" else f"{zh}\n[i]{t('phrase.leak', 'en')}[/i]"
    parts = [f"[b red]⚠ {t('leak.stopped_title', lang)}[/]", t("leak.stopped_what", lang, lane=label)]
    parts.append(esc(t("leak.stopped_do", lang)))
    fill = next((f for f in lane.unpaid if f.id == seq.fill_id), None)
    if fill is not None:
        parts.append(
            t(
                "leak.stopped_unpaid",
                lang,
                qty=format_centi(fill.quantity_centi),
                unit=fill.unit,
                amount=format_yuan(fill.amount_fen),
            )
        )
    parts.append(f"[b]{t('leak.stopped_back', lang)}[/b]")
    return say, "\n".join(parts)


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
