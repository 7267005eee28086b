"""The forecourt overview (加气岛): one tile a nozzle, the selected lane opened with ⏎, settle, clear a leak lock."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Static

from station.core.station import CoreRefused
from station.i18n import t
from station.tui.common import Key, app_of, apply_bindings, esc, refusal_text
from station.tui.modals.leak_lock import LeakLockClearScreen
from station.tui.screens.settle_unpaid import SettleUnpaidScreen
from station.tui.widgets.footer import StationFooter
from station.tui.widgets.lane_tile import LaneTile
from station.tui.widgets.sync_line import sync_line


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
        self.overdue = 0  # complaints not answered in time

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
        self.set_interval(60, self._check_complaints)
        self.set_interval(2, self._show_hint)

    def on_screen_resume(self) -> None:
        self.relabel()

    def _check_complaints(self) -> None:
        self.run_worker(self._overdue_complaints(), group="complaints", exclusive=True)

    async def _overdue_complaints(self) -> None:
        """Complaints not answered in time, said under the tiles (seed 000: answer within 48 hours)."""
        from station.core.complaints import ComplaintDesk  # after the first frame: it loads the ledger's models

        try:
            self.overdue = await ComplaintDesk(app_of(self).core).overdue()
        except Exception:  # a count for the eye: a database hiccup shows nothing rather than an error here
            return
        self._show_hint()

    def _show_hint(self) -> None:
        if not self.is_mounted or not self.query("#hint"):
            return  # the count came back after the screen was left (log-out, another screen): nothing to show
        lang = app_of(self).language
        hint = t("overview.hint", lang)
        if self.overdue:
            hint += f"\n[b red]✗ {t('desk.complaints_overdue', lang, count=self.overdue)}[/]"
        line = sync_line(app_of(self).core, lang)  # the outbox not yet at head office, if any
        if line:
            hint += f"\n{line}"
        self.query_one("#hint", Static).update(hint)

    def relabel(self) -> None:
        app = app_of(self)
        lang = app.language
        actor = app.core.actor
        who = f" · {esc(actor.name)} ({esc(actor.number)})" if actor else ""
        self.query_one("#title", Static).update(
            f"[b]{esc(t('app.title', lang, station=app.core.settings.station.name))}[/b] — "
            f"{t('overview.title', lang)}{who}"
        )
        self._show_hint()
        self._check_complaints()
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
