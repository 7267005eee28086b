"""The desk-only terminal: the manager's desk, reports and card services, and nothing of the forecourt.

``station desk serve`` runs it once per browser session (``station desk run`` in a terminal). It is the station's
app with the forecourt taken away: the login is a manager's, the first screen after it is the desk
(:class:`ServedDeskScreen`: F3 card services, Ctrl+L log out, Esc says the forecourt is at the kiosk), and the
forecourt's keys (F9 E-STOP, the unloading log, the simulator panel) are not there. The CLI gives it a core
opened without devices; the core refuses any login but a manager's (``managers_only``, set again here), and
:meth:`logged_in` checks the role once more. Card services take typed card numbers: no reader in a browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.i18n import Language, error_text, t
from station.tui.app import Opener, StationApp
from station.tui.common import Key, apply_bindings

if TYPE_CHECKING:
    from station.core.station import StationCore
    from station.tui.screens.desk.served import ServedDeskScreen


class DeskApp(StationApp):
    """The manager's desk, reports and card services, behind a manager's login; no forecourt, no device."""

    TITLE = "CNG station desk"
    login_title = "served.login_title"
    login_hint = "served.login_hint"
    reader_note = "cards.no_reader_browser"

    def __init__(
        self,
        core: StationCore | None = None,
        *,
        language: Language | None = None,
        opener: Opener | None = None,
        station_name: str = "",
        export_dir: Path | None = None,
    ) -> None:
        self._exports = export_dir
        super().__init__(core, language=language, opener=opener, station_name=station_name)

    def _take_core(self, core: StationCore, sim: Any | None) -> None:
        core.managers_only = True  # whoever opened it: this app is the managers' desk
        super()._take_core(core, None)  # never a simulator panel

    def _apply_app_bindings(self) -> None:
        # No F9: no dispenser is wired here (the kiosk's terminal stops them); no F12: no simulator.
        keys = [
            Key("f2", "toggle_language", "key.lang", priority=True),
            Key("ctrl+q", "quit", "key.quit", show=False, priority=True),
        ]
        apply_bindings(self, keys, self.language)

    def _overview(self) -> ServedDeskScreen:  # type: ignore[override]
        """The first screen after the login (and the one a broken screen falls back to): the desk."""
        from station.tui.screens.desk.served import ServedDeskScreen

        return ServedDeskScreen(export_dir=self.export_dir())

    def logged_in(self) -> None:
        actor = self.core.actor
        if actor is None or not actor.is_manager:  # the core refused it already; never past here either
            self.core.logout()
            self.notify(error_text("desk_managers_only", self.language), severity="error")
            return
        self.notify(t("login.welcome", self.language, name=actor.name))
        self.switch_screen(self._overview())

    def export_dir(self) -> Path:
        return self._exports if self._exports is not None else super().export_dir()

    def action_unloading(self) -> None:
        """The unloading log needs the unloading post, which only the kiosk's terminal has."""
        if self._logged_in_screen():
            self.notify(t("served.no_unloading", self.language), severity="warning")

    async def action_emergency_stop(self) -> None:  # type: ignore[override]
        """Not bound here; were it called, no dispenser is wired to stop: the kiosk's F9 stops them."""
        self.notify(t("served.no_forecourt", self.language), severity="warning")
