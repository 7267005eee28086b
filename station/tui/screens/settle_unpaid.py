"""Settling an unpaid fill held against a nozzle (after a restart, or a driver who came back): card or cash."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core import entry
from station.core.station import CoreRefused, SettleResult
from station.i18n import t
from station.money import format_centi, format_yuan
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, parse_money_input, read_entry, refusal_text
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.widgets.footer import StationFooter


class SettleUnpaidScreen(Screen[None]):
    """Settle an unpaid fill held against a nozzle (after a restart, or a driver who came back).

    C or K first; no field has the focus until then, so the letters reach their bindings. Cash takes two
    Enters like step 10: the first says the change, the second (after the counterfeit check) settles.
    """

    AUTO_FOCUS = ""  # "" is no auto focus (None would inherit the app's, the first Input, hidden or not)

    DEFAULT_CSS = """
    #title { height: 1; background: $primary; padding: 0 1; }
    #fill { padding: 0 1; height: auto; }
    #u-say { border: heavy $accent; padding: 0 1; height: auto; text-style: bold; }
    #u-do-row { height: auto; padding: 0 1; }
    #u-do-label { width: auto; padding-right: 2; text-style: bold; }
    #u-do { width: 1fr; height: auto; }
    #unpaid-main Input { height: 3; }
    #result { height: 1fr; padding: 0 1; }
    #message { height: auto; padding: 0 1; }
    """

    def __init__(self, lane_key: tuple[int, int]) -> None:
        super().__init__()
        self.lane_key = lane_key
        self.mode: str | None = None
        self.result: SettleResult | None = None
        self.pending_tender: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="title")
        with Vertical(id="unpaid-main"):
            yield Static("", id="fill")
            yield Static("", id="u-say")
            with Horizontal(id="u-do-row"):  # as on the sequence screen: the instruction wraps under itself
                yield Static("", id="u-do-label")
                yield Static("", id="u-do")
            yield Input(id="u-tendered", max_length=16)
            yield Input(id="u-card", max_length=32)
            yield Input(id="u-pin", password=True, max_length=16)
            with VerticalScroll(id="result"):
                yield Static("", id="result-text")
            yield Static("", id="message")
        yield StationFooter()

    def on_mount(self) -> None:
        self.relabel()

    def _due(self) -> int | None:
        unpaid = app_of(self).core.lane(self.lane_key).unpaid
        return unpaid[0].amount_fen if unpaid else None

    def relabel(self) -> None:
        app = app_of(self)
        lang = app.language
        d, n = self.lane_key
        lane = app.core.lane(self.lane_key)
        self.query_one("#title", Static).update(f"[b]{t('key.settle', lang)} — {t('lane.name', lang, d=d, n=n)}[/b]")
        lines = []
        for fill in lane.unpaid:
            lines.append(
                f"#{fill.transaction_number}  {format_centi(fill.quantity_centi)} {fill.unit} × "
                f"¥{format_yuan(fill.unit_price_fen)} = [b]¥{format_yuan(fill.amount_fen)}[/b]"
            )
        if not lane.unpaid and self.result is None:
            lines.append(t("err.fill_already_settled", lang))
        self.query_one("#fill", Static).update("\n".join(lines))
        say, do = "", ""
        due = self._due()
        if self.mode is None and lane.unpaid:
            do = t("unpaid.choose", lang)
        elif self.mode == "cash" and due is not None:
            if self.pending_tender is not None:
                say = t(
                    "phrase.settle_cash",
                    "zh",
                    tendered=format_yuan(self.pending_tender),
                    change=format_yuan(self.pending_tender - due),
                )
                do = f"[b]{t('settle.counterfeit', lang)}? ⏎[/b]"
            else:
                do = t("do.settle_cash", lang)
        elif self.mode == "card":
            do = t("unpaid.do_card", lang)
        self.query_one("#u-say", Static).update(f"{t('say', lang)}: {esc(say)}" if say else "")
        self.query_one("#u-say", Static).display = bool(say)
        self.query_one("#u-do-label", Static).update(f"{t('do', lang)}:" if do else "")
        self.query_one("#u-do", Static).update(do or "")
        self.query_one("#u-tendered", Input).placeholder = t("settle.tendered", lang)
        self.query_one("#u-card", Input).placeholder = t("card.number", lang)
        self.query_one("#u-pin", Input).placeholder = t("card.pin", lang)
        self.query_one("#u-tendered", Input).display = self.mode == "cash"
        self.query_one("#u-card", Input).display = self.mode == "card"
        self.query_one("#u-pin", Input).display = self.mode == "card"
        keys = [Key("escape", "back", "key.back")]
        if self.mode is None and lane.unpaid:
            keys = [
                Key("c", "mode('cash')", "key.cash"),
                Key("k", "mode('card')", "key.card"),
                Key("f7", "clear", "key.override"),
                *keys,
            ]
        apply_bindings(self, keys, lang)
        self.refresh_bindings()
        if self.mode is None and isinstance(self.focused, Input):
            self.set_focus(None)  # a hidden field must not swallow C and K

    def show_message(self, text: str, ok: bool = False) -> None:
        self.query_one("#message", Static).update(
            ("[b green]✓ " if ok else "[b red]✗ ") + esc(text) + "[/]" if text else ""
        )

    def action_mode(self, mode: str) -> None:
        self.mode = mode
        self.pending_tender = None
        self.show_message("")
        self.relabel()
        self.query_one("#u-tendered" if mode == "cash" else "#u-card", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()  # nothing is settled until the last Enter: leaving loses nothing

    def on_card_read(self, uid: str) -> None:
        """A card on the reader in card mode: its number fills in, and the driver's PIN is next."""
        if self.mode != "card":
            return
        try:
            card = app_of(self).core.ledger.card(uid=uid)
        except Exception:
            return  # an unknown card: the attendant types the number; the ledger names the problem then
        self.query_one("#u-card", Input).value = card.number
        self.query_one("#u-pin", Input).focus()

    def _show_result(self, result: SettleResult) -> None:
        self.result = result
        self.mode = None
        self.pending_tender = None
        lang = app_of(self).language
        lines = []
        if result.change_fen is not None:
            lines.append(
                t(
                    "phrase.settle_cash",
                    "zh",
                    tendered=format_yuan(result.tendered_fen or 0),
                    change=format_yuan(result.change_fen),
                )
            )
        if result.balance_fen is not None:
            lines.append(t("phrase.settle_card", "zh", balance=format_yuan(result.balance_fen)))
        lines.append(f"[b]{t('settle.receipt', lang)}[/b]")
        lines += [esc(line) for line in result.receipt_lines]
        self.query_one("#result-text", Static).update("\n".join(lines))
        self.relabel()
        self.set_focus(None)

    @on(Input.Submitted, "#u-tendered")
    async def _cash(self, event: Input.Submitted) -> None:
        app = app_of(self)
        try:
            tendered = parse_money_input(event.value, "tendered")
            due = self._due()
            if due is not None and tendered < due:
                raise CoreRefused("tendered_too_little", due_fen=due)
            if self.pending_tender != tendered:
                # First Enter: the change is said aloud; the second, after the counterfeit check, settles.
                self.pending_tender = tendered
                self.show_message("")
                self.relabel()
                return
            result = await app.core.settle_cash(self.lane_key, tendered)
        except (CoreRefused, InputError) as exc:
            self.pending_tender = None
            self.relabel()
            self.show_message(refusal_text(exc, app.language))
            return
        self.show_message("")
        self._show_result(result)

    @on(Input.Submitted, "#u-card")
    def _to_pin(self) -> None:
        self.query_one("#u-pin", Input).focus()

    @on(Input.Submitted, "#u-pin")
    async def _card(self) -> None:
        app = app_of(self)
        pin_input = self.query_one("#u-pin", Input)
        pin, pin_input.value = pin_input.value, ""
        try:
            number = entry.normalise(self.query_one("#u-card", Input).value)
            result = await app.core.settle_card(self.lane_key, number, read_entry(entry.pin, pin))
        except (CoreRefused, InputError) as exc:
            self.show_message(refusal_text(exc, app.language))
            return
        self.show_message("")
        self._show_result(result)

    def action_clear(self) -> None:
        app = app_of(self)

        def done(result: tuple[str, str, str] | None) -> None:
            if result is not None:
                self.run_worker(self._clear(*result))

        app.push_screen(ManagerAuthScreen(t("key.override", app.language)), done)

    async def _clear(self, number: str, pin: str, reason: str) -> None:
        app = app_of(self)
        try:
            await app.core.clear_unpaid(self.lane_key, number, pin, reason)
        except CoreRefused as exc:
            self.show_message(refusal_text(exc, app.language))
            return
        self.show_message(reason, ok=True)
        self.relabel()
