"""The terminal's small modal boxes: a manager's credentials, an abort reason, the demo's simulator panel.

Each shows its keys inside the box (⏎ · Esc), translated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.core import entry
from station.core.sequence import AbortReason
from station.i18n import t
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, modal_keys, read_entry, refusal_text

SAMPLE_CARD_UIDS = ["04A1B2C3", "04D4E5F6", "04112233", "04445566"]


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


class SimPanelScreen(ModalScreen[None]):
    """The demo's forecourt: lift and hang nozzles, present cards, raise a leak."""

    DEFAULT_CSS = """
    SimPanelScreen { align: center middle; }
    #box { width: 64; height: auto; border: double $accent; padding: 1 2; background: $panel; }
    """

    def __init__(self, lane: tuple[int, int]) -> None:
        super().__init__()
        self.lane = lane

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        d, n = self.lane
        cards = "\n".join(f"  {i}: {uid}" for i, uid in enumerate(SAMPLE_CARD_UIDS, start=1))
        with Vertical(id="box"):
            yield Static(
                f"[b]{t('sim.title', lang)}[/b] — {t('lane.name', lang, d=d, n=n)}\n\n{t('sim.help', lang)}\n\n{cards}"
            )

    def on_mount(self) -> None:
        keys = [
            Key("l", "lift", "sim.title", show=False),
            Key("h", "hang", "sim.title", show=False),
            Key("k", "leak", "sim.title", show=False),
            Key("r", "remove", "sim.title", show=False),
            *[Key(str(i), f"card({i})", "sim.title", show=False) for i in range(1, 5)],
            Key("escape", "close", "key.back"),
        ]
        apply_bindings(self, keys, app_of(self).language)

    def _sim(self) -> Any:
        return app_of(self).sim

    def _done(self, key: str, **params: Any) -> None:
        app = app_of(self)
        app.notify(t(key, app.language, **params))
        self.dismiss(None)

    def action_lift(self) -> None:
        try:
            self._sim().lift(*self.lane)
        except Exception as exc:
            self.app.notify(str(exc), severity="error")
            return
        self._done("sim.lifted", lane=f"{self.lane[0]}/{self.lane[1]}")

    def action_hang(self) -> None:
        self._sim().hang(*self.lane)
        self._done("sim.hung", lane=f"{self.lane[0]}/{self.lane[1]}")

    def action_leak(self) -> None:
        self._sim().leak(*self.lane)
        self._done("sim.leak", lane=f"{self.lane[0]}/{self.lane[1]}")

    def action_card(self, index: int) -> None:
        uid = SAMPLE_CARD_UIDS[index - 1]
        self._sim().present_card(uid)
        self._done("sim.card", uid=uid)

    def action_remove(self) -> None:
        self._sim().remove_card()
        self._done("sim.card_removed")

    def action_close(self) -> None:
        self.dismiss(None)
