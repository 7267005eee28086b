"""The attendant's terminal: a Textual client of the station core."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual._context import active_message_pump
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import WorkerFailed

from station.core import entry
from station.core.station import CardRead, CoreEvent, CoreRefused, LaneChanged, Notice, StaffCardLogin, StationCore
from station.i18n import Language, t
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text
from station.tui.footer import StationFooter
from station.tui.lane_tile import LaneTile, timer_text
from station.tui.leak import LeakLockClearScreen
from station.tui.modals import SAMPLE_CARD_UIDS, AbortScreen, ManagerAuthScreen, SimPanelScreen

__all__ = [
    "SAMPLE_CARD_UIDS",
    "AbortScreen",
    "LaneTile",
    "LoginScreen",
    "ManagerAuthScreen",
    "OverviewScreen",
    "SimPanelScreen",
    "StationApp",
    "timer_text",
]


log = logging.getLogger(__name__)


class CoreMessage(Message):
    def __init__(self, event: CoreEvent) -> None:
        super().__init__()
        self.event = event


# ------------------------------------------------------------------------------------------- login


class LoginScreen(Screen[None]):
    """Staff number and PIN, read by the strict parser (full-width digits are digits; nothing dropped)."""

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    #login { width: 60; max-width: 100%; height: auto; border: heavy $accent; padding: 1 2; }
    #login Input { margin-bottom: 1; }
    #login-title { text-style: bold; margin-bottom: 1; }
    #login-error { color: $text-error; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static("", id="login-title")
            # No restrict= pattern: a dropped character would change the number; the parser refuses instead.
            yield Input(id="number", max_length=16)
            yield Input(id="pin", password=True, max_length=16)
            yield Static("", id="login-hint")
            yield Static("", id="login-error")
        yield StationFooter()

    def on_mount(self) -> None:
        self.relabel()
        self.query_one("#number", Input).focus()

    def relabel(self) -> None:
        app = app_of(self)
        lang = app.language
        self.query_one("#login-title", Static).update(
            f"{esc(t('app.title', lang, station=app.core.settings.station.name))}\n{t('login.title', lang)}"
        )
        self.query_one("#number", Input).placeholder = t("login.number", lang)
        self.query_one("#pin", Input).placeholder = t("login.pin", lang)
        self.query_one("#login-hint", Static).update(t("login.hint", lang))
        apply_bindings(self, [Key("escape", "clear", "login.clear")], lang)
        self.refresh_bindings()

    def action_clear(self) -> None:
        """Esc: start again from the staff number."""
        for input_id in ("number", "pin"):
            self.query_one(f"#{input_id}", Input).value = ""
        self.query_one("#login-error", Static).update("")
        self.query_one("#number", Input).focus()

    def _refuse(self, exc: Exception, input_id: str) -> None:
        self.query_one("#login-error", Static).update(f"✗ {esc(refusal_text(exc, app_of(self).language))}")
        self.query_one(f"#{input_id}", Input).focus()

    @on(Input.Submitted, "#number")
    def _to_pin(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    async def _submit(self) -> None:
        app = app_of(self)
        pin_input = self.query_one("#pin", Input)
        typed_pin, pin_input.value = pin_input.value, ""  # never left in the field, even masked
        try:
            number = read_entry(entry.staff_number, self.query_one("#number", Input).value)
        except InputError as exc:
            self._refuse(exc, "number")
            return
        try:
            pin = read_entry(entry.pin, typed_pin)
        except InputError as exc:
            self._refuse(exc, "pin")
            return
        try:
            await app.core.login(number, pin)
        except CoreRefused as exc:
            self._refuse(exc, "pin")
            return
        app.logged_in()


# ------------------------------------------------------------------------------------------- overview


class OverviewScreen(Screen[None]):
    DEFAULT_CSS = """
    #title { height: 1; background: $primary; color: $text; padding: 0 1; }
    #lanes { grid-size: 2; grid-gutter: 0 1; height: 1fr; }
    #hint { height: auto; color: $text-muted; padding: 0 1; }
    #message { height: auto; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.selected = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="title")
        with Grid(id="lanes"):
            for key in app_of(self).core.lanes:
                yield LaneTile(key)
        yield Static("", id="message")
        yield Static("", id="hint")
        yield StationFooter()

    @property
    def lane_keys(self) -> list[tuple[int, int]]:
        return list(app_of(self).core.lanes)

    @property
    def selected_lane(self) -> tuple[int, int]:
        return self.lane_keys[self.selected]

    def on_mount(self) -> None:
        self.relabel()
        self.set_interval(0.5, self.refresh_tiles)

    def on_screen_resume(self) -> None:
        self.relabel()

    def relabel(self) -> None:
        app = app_of(self)
        lang = app.language
        actor = app.core.actor
        who = f" · {esc(actor.name)} ({esc(actor.number)})" if actor else ""
        self.query_one("#title", Static).update(
            f"[b]{esc(t('app.title', lang, station=app.core.settings.station.name))}[/b] — "
            f"{t('overview.title', lang)}{who}"
        )
        self.query_one("#hint", Static).update(t("overview.hint", lang))
        keys = [
            Key("left", "move(-1)", "key.lane", show=False),
            Key("right", "move(1)", "key.lane", show=False),
            Key("up", "move(-2)", "key.lane", show=False),
            Key("down", "move(2)", "key.lane", show=False),
            Key("enter", "open_lane", "key.start"),
            Key("s", "settle", "key.settle"),
            # Not in the footer (it would push F9 off at 80 columns): the locked tile's own line names the key.
            Key("u", "clear_lock", "key.clear_lock", show=False),
            Key("f3", "app.cards", "key.cards"),
            Key("f4", "app.desk", "key.desk"),
            Key("f6", "app.unloading", "key.unloading"),
            Key("ctrl+l", "logout", "key.logout", show=False),
        ]
        apply_bindings(self, keys, lang)
        self.refresh_bindings()
        self.refresh_tiles()

    def refresh_tiles(self) -> None:
        for index, tile in enumerate(self.query(LaneTile)):
            tile.set_class(index == self.selected, "selected")
            tile.refresh_lane()

    def show_message(self, text: str, severity: str = "error") -> None:
        colour = {"error": "red", "warning": "dark_orange"}.get(severity, "green")
        mark = {"error": "✗", "warning": "!"}.get(severity, "✓")
        self.query_one("#message", Static).update(f"[b {colour}]{mark} {esc(text)}[/]" if text else "")

    def action_move(self, delta: int) -> None:
        self.selected = (self.selected + delta) % len(self.lane_keys)
        self.refresh_tiles()

    async def action_open_lane(self) -> None:
        app = app_of(self)
        key = self.selected_lane
        lane = app.core.lane(key)
        if lane.sequence is None or lane.sequence.finished:
            try:
                await app.core.start_sequence(key)
            except CoreRefused as exc:
                self.show_message(refusal_text(exc, app.language))
                return
        self.show_message("")
        app.open_sequence(key)

    def action_settle(self) -> None:
        app = app_of(self)
        key = self.selected_lane
        if not app.core.lane(key).unpaid:
            self.show_message(t("err.fill_already_settled", app.language), "warning")
            return
        from station.tui.sequence_screen import SettleUnpaidScreen

        app.push_screen(SettleUnpaidScreen(key))

    def action_clear_lock(self) -> None:
        """A manager frees the selected nozzle after a leak (number, PIN, note; audited by the core)."""
        app = app_of(self)
        key = self.selected_lane
        if not app.core.lane(key).leak_locked:
            self.show_message(t("lock.not_locked", app.language), "warning")
            return

        def done(cleared: bool | None) -> None:
            if cleared:
                self.show_message(t("leak.cleared", app.language, lane=f"{key[0]}/{key[1]}"), "information")
            self.refresh_tiles()

        app.push_screen(LeakLockClearScreen(key), done)

    def action_logout(self) -> None:
        app_of(self).logout()


# ------------------------------------------------------------------------------------------- the app


class StationApp(App[None]):
    TITLE = "CNG station"
    # Toasts at the top right, one line of padding less: every screen keeps its error and status line at
    # the bottom, just above the footer, where Textual's toasts would otherwise cover it for seconds.
    CSS = """
    Screen { background: $surface; }
    ToastRack { dock: top; align: right top; margin-bottom: 0; margin-top: 0; }
    Toast { padding: 0 1; margin-top: 0; margin-bottom: 0; }
    """

    def __init__(self, core: StationCore, *, sim: Any | None = None, language: Language | None = None) -> None:
        super().__init__()
        self.core = core
        self.sim = sim
        self.language: Language = language or core.settings.station.language
        core.language = self.language
        self._unsubscribe = core.subscribe(self._on_core_event)

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        # An action runs in the app's own message loop: a bug in one must not end the app (see below).
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as error:
            self._recover(error, namespace if isinstance(namespace, Screen | Widget) else None)
            return True

    def _handle_exception(self, error: Exception) -> None:
        """Whatever a screen did not expect: never a traceback for the attendant, never a secret in a log.

        Textual's own handler ends the app and prints a traceback with every frame's locals (a typed PIN
        among them). Here the error is logged with a plain traceback (no locals), the attendant is told in
        their language, and a screen whose message loop the error ended is replaced by one that works.
        """
        broken = None if isinstance(error, WorkerFailed) else active_message_pump.get(None)
        if broken is self or not self.is_running:
            inner = error
            log.error("unexpected error in the terminal", exc_info=(type(inner), inner, inner.__traceback__))
            detail = type(inner).__name__
            # The app's own loop is ending: leave with a plain message, as Textual would with its traceback.
            self._return_code = 1
            self._exit_renderables.append(Text(t("err.fatal", self.language, detail=detail)))
            self._close_messages_no_wait()
            return
        self._recover(error, broken if isinstance(broken, Screen | Widget) else None)

    def _recover(self, error: Exception, broken: Screen[Any] | Widget | None) -> None:
        """Log without locals, tell the attendant, and put a working screen where the broken one was."""
        inner = error.error if isinstance(error, WorkerFailed) and isinstance(error.error, Exception) else error
        log.error("unexpected error in the terminal", exc_info=(type(inner), inner, inner.__traceback__))
        self.notify(t("err.screen_reset", self.language, detail=type(inner).__name__), severity="error", timeout=10)
        if broken is not None:
            self.call_later(self._replace_broken_screen, broken if isinstance(broken, Screen) else broken.screen)

    async def _replace_broken_screen(self, broken: Screen[Any]) -> None:
        """Back to the screen below the broken one, or a fresh login or overview in its place."""
        if broken not in self.screen_stack:
            return
        while self.screen is not broken and len(self.screen_stack) > 2:
            await self.pop_screen()
        if len(self.screen_stack) > 2:
            await self.pop_screen()
        else:
            await self.switch_screen(OverviewScreen() if self.core.actor is not None else LoginScreen())

    def on_mount(self) -> None:
        self._apply_app_bindings()
        if self.core.actor is None:
            self.push_screen(LoginScreen())
        else:
            self.push_screen(OverviewScreen())

    def _apply_app_bindings(self) -> None:
        keys = [
            Key("f2", "toggle_language", "key.lang", priority=True),
            Key("f9", "emergency_stop", "key.estop", priority=True),
            Key("ctrl+q", "quit", "key.quit", show=False, priority=True),
        ]
        if self.sim is not None:
            keys.append(Key("f12", "sim_panel", "key.sim", priority=True))
        apply_bindings(self, keys, self.language)

    def _on_core_event(self, event: CoreEvent) -> None:
        self.post_message(CoreMessage(event))

    def on_core_message(self, message: CoreMessage) -> None:
        event = message.event
        if isinstance(event, LaneChanged):
            screen = self.screen
            refresh = getattr(screen, "on_lane_changed", None)
            if refresh is not None:
                refresh(event.lane)
            elif isinstance(screen, OverviewScreen):
                screen.refresh_tiles()
        elif isinstance(event, Notice):
            severity = {"error": "error", "warning": "warning"}.get(event.severity, "information")
            self.notify(
                t(event.key, self.language, **event.params),
                severity=severity,  # type: ignore[arg-type]
                timeout=8 if severity == "error" else 4,
            )
        elif isinstance(event, StaffCardLogin):
            if isinstance(self.screen, LoginScreen):
                self.logged_in()
        elif isinstance(event, CardRead):
            handler = getattr(self.screen, "on_card_read", None)
            if handler is not None:
                handler(event.uid)

    def logged_in(self) -> None:
        actor = self.core.actor
        if actor is not None:
            self.notify(t("login.welcome", self.language, name=actor.name))
        self.switch_screen(OverviewScreen())
        # A restart brought a sequence back (authorized or filled, not yet paid): the attendant lands on it.
        resumed = [k for k, lane in self.core.lanes.items() if (s := lane.sequence) and s.resumed and not s.finished]
        if resumed:
            self.open_sequence(resumed[0])

    def logout(self) -> None:
        """Ctrl+L: at once when nothing is running, else only after the open work is named and ⏎ confirms."""
        self._leave("logout", self._do_logout)

    def _do_logout(self) -> None:
        self.core.logout()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen())

    def _leave(self, kind: str, then: Callable[[], None]) -> None:
        from station.tui.confirm import LeaveConfirmScreen, open_work

        if isinstance(self.screen, LeaveConfirmScreen):
            return  # already asking
        if not open_work(self.core, self.language):
            then()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                then()

        self.push_screen(LeaveConfirmScreen(kind), answered)

    async def action_quit(self) -> None:
        """Ctrl+Q: asks first while a sequence, a delivery or an unpaid fill is open; needs no device or database."""
        self._leave("quit", self.exit)

    def open_sequence(self, key: tuple[int, int]) -> None:
        from station.tui.sequence_screen import SequenceScreen

        self.push_screen(SequenceScreen(key))

    def current_lane(self) -> tuple[int, int]:
        lane = getattr(self.screen, "lane_key", None)
        if lane is not None:
            return lane  # type: ignore[no-any-return]
        for screen in reversed(self.screen_stack):
            if isinstance(screen, OverviewScreen):
                return screen.selected_lane
        return next(iter(self.core.lanes))

    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "zh" else "zh"
        self.core.language = self.language
        self._apply_app_bindings()
        for screen in self.screen_stack:
            relabel = getattr(screen, "relabel", None)
            if relabel is not None:
                relabel()
        self.refresh_bindings()
        self.notify(t("lang.switched", self.language))

    @work(exclusive=False)
    async def action_emergency_stop(self) -> None:
        try:
            await self.core.emergency_stop(None)
        except CoreRefused as exc:
            self.notify(refusal_text(exc, self.language), severity="error")

    def _logged_in_screen(self) -> bool:
        return not (self.core.actor is None or isinstance(self.screen, LoginScreen | ModalScreen))

    def action_unloading(self) -> None:
        """The tube-trailer unloading log (卸气记录)."""
        from station.tui.unloading_screen import UnloadingScreen

        if self._logged_in_screen() and not isinstance(self.screen, UnloadingScreen):
            self.push_screen(UnloadingScreen())

    def action_cards(self) -> None:
        """Card services (卡务): recharge, balance, lost, replace, PIN, close."""
        from station.tui.card_screens import CardServicesScreen

        if self._logged_in_screen() and not isinstance(self.screen, CardServicesScreen):
            self.push_screen(CardServicesScreen())

    def export_dir(self) -> Path:
        """Exported CSV files go beside the print spool (the station's data directory), not the working directory."""
        queue = self.core.print_queue
        return (queue.spool_dir.parent if queue is not None else Path.cwd()) / "exports"

    def action_desk(self) -> None:
        """The manager's desk: shifts, cash drops, reconciliation, prices, reports."""
        from station.tui.desk_screens import DeskScreen, ManagerDeskScreen

        if self._logged_in_screen() and not isinstance(self.screen, DeskScreen):
            self.push_screen(ManagerDeskScreen(export_dir=self.export_dir()))

    def action_sim_panel(self) -> None:
        if self.sim is not None and not isinstance(self.screen, SimPanelScreen):
            self.push_screen(SimPanelScreen(self.current_lane()))
