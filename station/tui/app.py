"""The attendant's terminal: a Textual client of the station core."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual._context import active_message_pump
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import WorkerFailed

from station.core.sequence import AbortReason, TimerLevel
from station.core.station import CardRead, CoreEvent, CoreRefused, LaneChanged, Notice, StaffCardLogin, StationCore
from station.devices import dispenser_protocol as proto
from station.i18n import Language, t
from station.money import format_centi, format_yuan
from station.tui.common import Key, app_of, apply_bindings, esc, refusal_text

NOZZLE_KEYS = {
    proto.NozzleState.IDLE: "nozzle.idle",
    proto.NozzleState.NOZZLE_LIFTED: "nozzle.lifted",
    proto.NozzleState.AUTHORIZED: "nozzle.authorized",
    proto.NozzleState.FILLING: "nozzle.filling",
    proto.NozzleState.FINISHED: "nozzle.finished",
    proto.NozzleState.STOPPED: "nozzle.stopped",
    proto.NozzleState.FAULT: "nozzle.fault",
    proto.NozzleState.OFFLINE: "nozzle.offline",
}

SAMPLE_CARD_UIDS = ["04A1B2C3", "04D4E5F6", "04112233", "04445566"]

log = logging.getLogger(__name__)


class CoreMessage(Message):
    def __init__(self, event: CoreEvent) -> None:
        super().__init__()
        self.event = event


def timer_text(level: TimerLevel, elapsed: float | None, limit: int, key: str, lang: Language) -> str:
    """Colour always comes with words or symbols: ✓ on time, ! amber, ✗ LATE."""
    if elapsed is None:
        return ""
    label = t(key, lang, elapsed=int(elapsed), limit=limit)
    style = {
        TimerLevel.GREEN: ("green", "●"),
        TimerLevel.AMBER: ("dark_orange", "!"),
        TimerLevel.RED: ("red", "✗ " + t("timer.late", lang)),
        TimerLevel.STOPPED_OK: ("green", "✓"),
        TimerLevel.STOPPED_LATE: ("red", "✗ " + t("timer.late", lang)),
    }.get(level, ("white", ""))
    return f"[bold {style[0]}]{style[1]} {label}[/]"


# ------------------------------------------------------------------------------------------- modals


class ManagerAuthScreen(ModalScreen[tuple[str, str, str] | None]):
    """Manager number, PIN and a reason: returned to the caller, checked by the core."""

    DEFAULT_CSS = """
    ManagerAuthScreen { align: center middle; }
    #box { width: 60; height: auto; border: double $warning; padding: 1 2; background: $panel; }
    #box Input { margin-bottom: 1; }
    #why { color: $text-warning; }
    """

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        with Vertical(id="box"):
            yield Static(f"[b]{t('manager.title', lang)}[/b]")
            yield Static(esc(self.why), id="why")
            yield Input(placeholder=t("manager.number", lang), id="mgr-number", max_length=16)
            yield Input(placeholder=t("manager.pin", lang), password=True, id="mgr-pin", max_length=8)
            yield Input(placeholder=t("manager.reason", lang), id="mgr-reason", max_length=200)
            yield Static("", id="mgr-error")

    def on_mount(self) -> None:
        apply_bindings(self, [Key("escape", "cancel", "key.back")], app_of(self).language)
        self.query_one("#mgr-number", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["mgr-number", "mgr-pin", "mgr-reason"]
        idx = order.index(event.input.id or "mgr-number")
        if idx < len(order) - 1:
            self.query_one(f"#{order[idx + 1]}", Input).focus()
            return
        number = self.query_one("#mgr-number", Input).value
        pin = self.query_one("#mgr-pin", Input).value
        reason = self.query_one("#mgr-reason", Input).value
        lang = app_of(self).language
        if not number.strip() or not pin or not reason.strip():
            self.query_one("#mgr-error", Static).update(f"[red]✗ {t('err.reason_required', lang)}[/]")
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


# ------------------------------------------------------------------------------------------- login


class LoginScreen(Screen[None]):
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    #login { width: 60; height: auto; border: heavy $accent; padding: 1 2; }
    #login Input { margin-bottom: 1; }
    #login-title { text-style: bold; margin-bottom: 1; }
    #login-error { color: $text-error; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static("", id="login-title")
            yield Input(id="number", max_length=16, restrict=r"[0-9A-Za-z]*")
            yield Input(id="pin", password=True, max_length=8)
            yield Static("", id="login-hint")
            yield Static("", id="login-error")
        yield Footer()

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
        apply_bindings(self, [], lang)

    @on(Input.Submitted, "#number")
    def _to_pin(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    async def _submit(self) -> None:
        app = app_of(self)
        number = self.query_one("#number", Input).value
        pin_input = self.query_one("#pin", Input)
        try:
            await app.core.login(number, pin_input.value)
        except CoreRefused as exc:
            pin_input.value = ""
            self.query_one("#login-error", Static).update(f"✗ {esc(refusal_text(exc, app.language))}")
            pin_input.focus()
            return
        app.logged_in()


# ------------------------------------------------------------------------------------------- overview


class LaneTile(Static):
    DEFAULT_CSS = """
    LaneTile { height: 100%; border: round $primary; padding: 0 1; }
    LaneTile.selected { border: double $accent; background: $boost; }
    LaneTile.alarm { border: heavy $error; }
    """

    def __init__(self, key: tuple[int, int]) -> None:
        super().__init__(id=f"lane-{key[0]}-{key[1]}")
        self.lane_key = key

    def refresh_lane(self) -> None:
        app = app_of(self)
        lang = app.language
        lane = app.core.lane(self.lane_key)
        unit = app.core.settings.station.sale_unit
        name = t("lane.name", lang, d=lane.dispenser, n=lane.nozzle)
        state_key = NOZZLE_KEYS.get(lane.state, "nozzle.unknown") if lane.state is not None else "nozzle.unknown"
        state = t(state_key, lang)
        link = "" if lane.link_up else f"  [b red]✗ {esc(app.core.link_text(lang) or t('lane.link_down', lang))}[/]"
        lines = [f"[b]▶ {name}[/b]" if self.has_class("selected") else f"[b]{name}[/b]", f"{state}{link}"]
        lines.append(
            f"{t('lane.qty', lang)} {format_centi(lane.quantity)} {unit}  "
            f"{t('lane.amount', lang)} ¥{format_yuan(lane.amount)}"
        )
        lines.append(f"{t('lane.pressure', lang)} {format_centi(lane.pressure)} MPa")
        seq = lane.sequence
        if seq is not None and not seq.finished:
            lines.append(f"[b]{t('lane.in_sequence', lang, step=t('step.' + seq.step.value, lang))}[/b]")
            now = app.core.monotonic()
            for timer, key in ((seq.engine_timer, "timer.engine"), (seq.settle_timer, "timer.settle")):
                text = timer_text(timer.level(now), timer.elapsed(now), timer.limit_s, key, lang)
                if text:
                    lines.append(text)
        if lane.unpaid:
            total = sum(f.amount_fen for f in lane.unpaid)
            lines.append(f"[b red]⚠ {t('lane.unpaid', lang, count=len(lane.unpaid), amount=format_yuan(total))}[/]")
        if lane.alarm:
            lines.append(f"[b red]⚠ {esc(lane.alarm)}[/]")
        self.set_class(bool(lane.alarm), "alarm")
        self.update("\n".join(lines))


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
        yield Footer()

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

    def action_logout(self) -> None:
        app_of(self).logout()


# ------------------------------------------------------------------------------------------- the app


class StationApp(App[None]):
    TITLE = "CNG station"
    CSS = """
    Screen { background: $surface; }
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
