"""The attendant's terminal: a Textual client of the station core. Only the app lives here: its keys (F2, F9,
Ctrl+Q, F12), the routing of core events to the screen showing, and which screen comes next; the screens are in
screens/, the shared boxes in modals/, their pieces in widgets/, and what a screen may ask of the app in common.py.

Only the login screen is imported with the app: every other screen (and its widgets) is imported where it is
first opened, so the terminal's first frame does not wait for screens nobody has asked for yet."""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from rich.text import Text
from textual import work
from textual._context import active_message_pump
from textual.app import App
from textual.dom import DOMNode
from textual.driver import Driver
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import WorkerFailed

from station.core.lanes import CardRead, CodeScanned, CoreEvent, CoreRefused, LaneChanged, Notice, StaffCardLogin
from station.i18n import Language, t
from station.tui.common import Key, StationHost, apply_bindings, refusal_text
from station.tui.screens.login import LoginScreen

if TYPE_CHECKING:
    from station.core.station import StationCore
    from station.tui.screens.forecourt import OverviewScreen

log = logging.getLogger(__name__)

# What the CLI gives an app that starts before its station is open: a coroutine that opens the station (its
# blocking part in a thread), starts the core and returns it with the demo's simulator (or None). The app
# opens nothing itself (the TUI wires no device and opens no database); it only awaits this after its first
# frame.
Opener = Callable[[], Awaitable[tuple["StationCore", Any | None]]]


class CoreMessage(Message):
    def __init__(self, event: CoreEvent) -> None:
        super().__init__()
        self.event = event


class StationApp(App[None]):
    TITLE = "CNG station"
    # Toasts at the top right, one line of padding less: every screen keeps its error and status line at
    # the bottom, just above the footer, where Textual's toasts would otherwise cover it for seconds.
    CSS = """
    Screen { background: $surface; }
    ToastRack { dock: top; align: right top; margin-bottom: 0; margin-top: 0; }
    Toast { padding: 0 1; margin-top: 0; margin-bottom: 0; }
    """

    core: StationCore
    login_title = "login.title"
    login_hint = "login.hint"
    reader_note: str | None = None

    def __init__(
        self,
        core: StationCore | None = None,
        *,
        sim: Any | None = None,
        language: Language | None = None,
        opener: Opener | None = None,
        station_name: str = "",
    ) -> None:
        """Given a core, or an ``opener`` (the core comes later): the login screen is painted at once and takes
        typing; the opener runs after the first frame, and a login typed meanwhile completes when it is done.
        If it fails, the app leaves with code 2 and the failure in :attr:`open_failure` for the CLI to tell.
        ``station_name`` titles the login screen until the core (and its configuration) is there."""
        super().__init__()
        if (core is None) == (opener is None):
            raise TypeError("StationApp needs a core or an opener, not both")
        self.sim = sim
        self.core_ready = False
        self.open_failure: Exception | None = None
        self._opener = opener
        self.station_name = station_name
        self._language_given = language is not None
        self.language: Language = language or (core.settings.station.language if core is not None else "zh")
        if core is not None:
            self._take_core(core, sim)

    def get_driver_class(self) -> type[Driver]:
        """In a terminal, the driver that ends the app in order when the terminal hangs up or on SIGTERM
        (station.tui.terminal); any other (the tests' headless one, a browser's) as Textual chooses."""
        chosen = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if chosen is not LinuxDriver:
            return chosen
        from station.tui.terminal import StationDriver

        return StationDriver

    def _take_core(self, core: StationCore, sim: Any | None) -> None:
        self.core = core
        self.sim = sim
        self.station_name = core.settings.station.name
        if not self._language_given:  # the configured language, known once the configuration is read
            self.language = core.settings.station.language
        core.language = self.language
        self._unsubscribe = core.subscribe(self._on_core_event)
        self.core_ready = True

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
            logged_in = self.core_ready and self.core.actor is not None
            await self.switch_screen(self._overview() if logged_in else LoginScreen())

    def on_mount(self) -> None:
        self._apply_app_bindings()
        if self.core_ready and self.core.actor is not None:
            self.push_screen(self._overview())
        else:
            self.push_screen(LoginScreen())
        if self._opener is not None:
            # After the first frame, so the opening (imports, database) does not hold the GIL against its paint.
            self.call_after_refresh(self._start_opening, self._opener)

    def _start_opening(self, opener: Opener) -> None:
        self.run_worker(self._open(opener), name="open station", exit_on_error=False)

    async def _open(self, opener: Opener) -> None:
        try:
            core, sim = await opener()
        except Exception as exc:
            # A bad configuration or database: the CLI says it in one line once the terminal is restored.
            self.open_failure = exc
            self.exit(return_code=2)
            return
        self._take_core(core, sim)
        self._apply_app_bindings()
        for screen in self.screen_stack:
            relabel = getattr(screen, "relabel", None)
            if relabel is not None:
                relabel()
        self.refresh_bindings()
        arrived = getattr(self.screen, "core_arrived", None)
        if arrived is not None:
            await arrived()  # a login typed while the station opened

    @staticmethod
    def _overview() -> OverviewScreen:
        from station.tui.screens.forecourt import OverviewScreen

        return OverviewScreen()

    @staticmethod
    def _is_overview(screen: object) -> TypeGuard[OverviewScreen]:
        # No overview was ever opened while its module is not imported: nothing to import to say so.
        forecourt = sys.modules.get("station.tui.screens.forecourt")
        return forecourt is not None and isinstance(screen, forecourt.OverviewScreen)

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
            elif self._is_overview(screen):
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
        elif isinstance(event, CodeScanned):
            self.run_worker(self._scanned(event.code), group="scan")

    async def _scanned(self, code: str) -> None:
        """A serial scanner's code: the screen takes it if it knows what a scan means there (the settle step: the
        driver's phone), or it goes into the focused field with Enter, as a USB scanner types it."""
        handler = getattr(self.screen, "on_code_scanned", None)
        if handler is not None and handler(code):
            return
        from textual.widgets import Input

        field = self.focused
        if isinstance(field, Input) and not field.password:
            field.value = code
            await field.action_submit()
            return
        self.notify(t("scan.no_field", self.language), severity="warning")

    def logged_in(self) -> None:
        actor = self.core.actor
        if actor is not None:
            self.notify(t("login.welcome", self.language, name=actor.name))
        self.switch_screen(self._overview())
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
        from station.tui.modals.leave import LeaveConfirmScreen, open_work

        if isinstance(self.screen, LeaveConfirmScreen):
            return  # already asking
        if not self.core_ready or not open_work(self.core, self.language):
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
        from station.tui.screens.sequence import SequenceScreen

        self.push_screen(SequenceScreen(key))

    def current_lane(self) -> tuple[int, int]:
        lane = getattr(self.screen, "lane_key", None)
        if lane is not None:
            return lane  # type: ignore[no-any-return]
        for screen in reversed(self.screen_stack):
            if self._is_overview(screen):
                return screen.selected_lane
        return next(iter(self.core.lanes))

    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "zh" else "zh"
        self._language_given = True  # chosen here: the configuration's, arriving later, does not undo it
        if self.core_ready:
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
        if not self.core_ready:  # nothing is connected yet: no dispenser has heard from this terminal
            self.notify(t("app.starting", self.language), severity="warning")
            return
        try:
            await self.core.emergency_stop(None)
        except CoreRefused as exc:
            self.notify(refusal_text(exc, self.language), severity="error")

    def _logged_in_screen(self) -> bool:
        if not self.core_ready or self.core.actor is None:
            return False
        return not isinstance(self.screen, LoginScreen | ModalScreen)

    def action_unloading(self) -> None:
        """The tube-trailer unloading log (卸气记录)."""
        from station.tui.screens.unloading.visit import UnloadingScreen

        if self._logged_in_screen() and not isinstance(self.screen, UnloadingScreen):
            self.push_screen(UnloadingScreen())

    def action_cards(self) -> None:
        """Card services (卡务): recharge, balance, lost, replace, PIN, close."""
        from station.tui.screens.cards import CardServicesScreen

        if self._logged_in_screen() and not isinstance(self.screen, CardServicesScreen):
            self.push_screen(CardServicesScreen())

    def export_dir(self) -> Path:
        """Exported CSV files go beside the print spool (the station's data directory), not the working directory."""
        queue = self.core.print_queue
        return (queue.spool_dir.parent if queue is not None else Path.cwd()) / "exports"

    def action_desk(self) -> None:
        """The manager's desk: shifts, cash drops, reconciliation, prices, reports."""
        from station.tui.screens.desk.base import DeskScreen
        from station.tui.screens.desk.menu import ManagerDeskScreen

        if self._logged_in_screen() and not isinstance(self.screen, DeskScreen):
            self.push_screen(ManagerDeskScreen(export_dir=self.export_dir()))

    def action_sim_panel(self) -> None:
        from station.tui.modals.sim_panel import SimPanelScreen

        if self.sim is not None and not isinstance(self.screen, SimPanelScreen):
            self.push_screen(SimPanelScreen(self.current_lane()))


if TYPE_CHECKING:

    def _meets_host(app: StationApp) -> StationHost:
        return app  # mypy: the app is what its screens ask of it (common.app_of does not check at run time)
