"""The login screen: staff number and PIN, or a staff card at the reader."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core import entry
from station.core.lanes import CoreRefused
from station.i18n import t
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text
from station.tui.widgets.footer import StationFooter


class _NumberInput(Input):
    """The staff number field. After its Enter, keys already queued for it (typed ahead while the terminal was
    busy, e.g. as the station opens behind the login screen) go on to the PIN field, in order, until the focus
    has moved there: a PIN typed quickly never lands in the number field, in clear."""

    _handing_over = False

    async def _on_key(self, event: events.Key) -> None:
        if self._handing_over:
            pin = self.screen.query_one("#pin", Input)
            if event.is_printable and event.character is not None:
                pin.insert_text_at_cursor(event.character)
            elif event.key == "backspace":
                pin.action_delete_left()
            elif event.key == "enter":
                pin.post_message(Input.Submitted(pin, pin.value))
            else:
                self._handing_over = event.key != "escape"  # Esc starts again from the number (the screen's key)
                return  # Esc, Tab, function keys: as they are
            event.stop()
            event.prevent_default()
        elif event.key == "enter":
            self._handing_over = True
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.value))

    def _on_blur(self, event: events.Blur) -> None:
        self._handing_over = False


class LoginScreen(Screen[None]):
    """Staff number and PIN, read by the strict parser (full-width digits are digits; nothing dropped).

    Shown while the station still opens: typing is taken, and a PIN entered before the core is there is kept
    (in memory, never in the field) and submitted as soon as it arrives (:meth:`core_arrived`)."""

    _waiting_pin: str | None = None

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
            yield _NumberInput(id="number", max_length=16)
            # Not select_on_focus: digits typed ahead into it (see _NumberInput) are there before it has the focus,
            # and a selection would let the next digit replace them (a browser's keys come in bursts).
            yield Input(id="pin", password=True, max_length=16, select_on_focus=False)
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
            f"{esc(t('app.title', lang, station=app.station_name))}\n{t(app.login_title, lang)}"
        )
        self.query_one("#number", Input).placeholder = t("login.number", lang)
        self.query_one("#pin", Input).placeholder = t("login.pin", lang)
        waiting = self._waiting_pin is not None
        self.query_one("#login-hint", Static).update(t("login.starting" if waiting else app.login_hint, lang))
        apply_bindings(self, [Key("escape", "clear", "login.clear")], lang)
        self.refresh_bindings()

    def action_clear(self) -> None:
        """Esc: start again from the staff number."""
        for input_id in ("number", "pin"):
            self.query_one(f"#{input_id}", Input).value = ""
        self._waiting_pin = None
        self.relabel()
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
        pin_input = self.query_one("#pin", Input)
        typed_pin, pin_input.value = pin_input.value, ""  # never left in the field, even masked
        if not app_of(self).core_ready:
            self._waiting_pin = typed_pin
            self.query_one("#login-error", Static).update("")
            self.relabel()
            return
        await self._login(typed_pin)

    async def core_arrived(self) -> None:
        """The station is open: a login typed while it opened goes through now."""
        typed_pin, self._waiting_pin = self._waiting_pin, None
        if typed_pin is not None:
            self.relabel()
            await self._login(typed_pin)

    async def _login(self, typed_pin: str) -> None:
        app = app_of(self)
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
