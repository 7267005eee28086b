"""The card counter's screen without its services: the card panel, the form's rows per mode, the messages, and
one core call at a time (:meth:`CardScreenBase._run`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core.cards import CardDesk, Printed
from station.core.station import CoreRefused
from station.core.views import CardType, CardView
from station.i18n import Language, t
from station.money import format_yuan
from station.tui.common import InputError, app_of, esc, refusal_text
from station.tui.screens.cards.fields import CARD_TYPES, FIELDS, MODE_FIELDS, STATUS_MARK
from station.tui.widgets.footer import StationFooter


class CardScreenBase(Screen[None]):
    """What every card service shares: the card looked up, the mode, the form and the message line."""

    def __init__(self) -> None:
        super().__init__()
        self.card: CardView | None = None
        self.mode = "idle"
        self.busy = False
        self.info_lines: list[str] = []
        self.last_slip: Printed | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="cards-title")
        with Horizontal(id="lookup"):
            yield Static("", id="lookup-label")
            yield Input(id="card-number", max_length=32, compact=True)
            yield Static("", id="lookup-hint")
        with Horizontal(id="body"):
            yield Static("", id="card-panel")
            with Vertical(id="form"):
                yield Static("", id="form-title")
                for field_id in FIELDS:
                    with Horizontal(classes="row", id=f"row-{field_id}"):
                        yield Static("", classes="label", id=f"label-{field_id}")
                        yield Input(
                            id=field_id,
                            max_length=64 if field_id in ("f-holder", "f-plates") else 32,
                            password=field_id in ("f-pin", "f-pin2"),
                            compact=True,
                        )
                with VerticalScroll(id="info"):
                    yield Static("", id="info-text")
        yield Static("", id="cards-message")
        yield StationFooter()

    @property
    def desk(self) -> CardDesk:
        return CardDesk(app_of(self).core)

    @property
    def lang(self) -> Language:
        return app_of(self).language

    def render_all(self) -> None:
        self.query_one("#card-panel", Static).update(self._panel_text())
        self.query_one("#card-panel", Static).display = self.mode != "statement"
        wanted = MODE_FIELDS[self.mode]
        if self.mode == "issue":
            kind = CARD_TYPES.get(self.query_one("#f-type", Input).value.strip())
            wanted = [
                f
                for f in wanted
                if (f != "f-limit" or kind is CardType.ACCOUNT) and (f != "f-staff" or kind is CardType.STAFF)
            ]
        for field_id in FIELDS:
            self.query_one(f"#row-{field_id}").display = field_id in wanted
        self.query_one("#form-title", Static).update(self._form_title())
        self.query_one("#info-text", Static).update(self._info_text())

    def _panel_text(self) -> str:
        lang = self.lang
        card = self.card
        if card is None:
            typed_only = app_of(self).reader_note is not None  # no reader to present a card on
            return f"[dim]{t('cards.none_typed' if typed_only else 'cards.none', lang)}[/dim]"
        colour, mark = STATUS_MARK[card.status]
        rows = [
            (t("cards.number", lang), f"[b]{esc(card.number)}[/b]"),
            (t("cards.type", lang), t(f"cards.type.{card.card_type.value}", lang)),
            (t("cards.status", lang), f"[b {colour}]{mark} {t('cards.status.' + card.status.value, lang)}[/]"),
            (t("cards.holder", lang), esc(card.holder)),
            (t("cards.phone", lang), esc(card.phone) or "—"),
            (t("cards.plates", lang), esc(", ".join(card.plates)) or "—"),
            (t("cards.balance", lang), f"[b]¥{format_yuan(card.balance_fen)}[/b]"),
            (t("cards.held", lang), f"¥{format_yuan(card.held_fen)}"),
        ]
        if card.card_type is CardType.ACCOUNT:
            rows.append((t("cards.limit", lang), f"¥{format_yuan(card.credit_limit_fen)}"))
            spendable = card.spendable_fen
            style = "green" if spendable > 0 else "b red"
            mark2 = "✓" if spendable > 0 else "✗"
            rows.append((t("cards.available", lang), f"[{style}]{mark2} ¥{format_yuan(spendable)}[/]"))
        else:
            rows.append((t("cards.limit", lang), "—"))
        pin_tries = app_of(self).core.settings.thresholds.pin_tries
        rows.append((t("cards.pin_fails", lang), f"{card.failed_pin_count}/{pin_tries}"))
        width = max(cell_len(label) for label, _ in rows)
        return "\n".join(f"{label}{' ' * (width - cell_len(label))}  {value}" for label, value in rows)

    def _form_title(self) -> str:
        lang = self.lang
        if self.mode == "idle":
            return t("cards.form.idle", lang)
        return t(f"cards.form.{self.mode}", lang)

    def _info_text(self) -> str:
        lang = self.lang
        if self.info_lines:
            return "\n".join(esc(line) for line in self.info_lines)
        card = self.card
        if self.mode == "idle":
            return t("cards.help", lang)
        if self.mode == "lost" and card is not None:
            return t("cards.confirm_lost", lang, card=card.masked_number)
        if self.mode == "close" and card is not None:
            return t("cards.confirm_close", lang, card=card.masked_number, refund=format_yuan(max(card.balance_fen, 0)))
        if self.mode == "replace":
            fee = app_of(self).core.settings.thresholds.replacement_card_fee
            return t("cards.replace_help", lang, fee=format_yuan(fee))
        if self.mode == "adjust":
            limit = app_of(self).core.settings.thresholds.adjustment_approval_limit
            return t("cards.adjust_help", lang, limit=format_yuan(limit))
        if self.mode == "issue":
            return t("cards.issue_help", lang)
        if self.mode == "recharge":
            return t("cards.recharge_help", lang)
        if self.mode == "pin":
            return t("cards.pin_help", lang)
        return ""

    def show_message(self, text: str, severity: str = "error") -> None:
        colour = {"error": "red", "warning": "dark_orange"}.get(severity, "green")
        mark = {"error": "✗", "warning": "!"}.get(severity, "✓")
        self.query_one("#cards-message", Static).update(f"[b {colour}]{mark} {esc(text)}[/]" if text else "")

    def _refused(self, exc: Exception) -> None:
        self.show_message(refusal_text(exc, self.lang))

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.info_lines = []
        for field_id in FIELDS:
            self.query_one(f"#{field_id}", Input).value = ""
        if mode == "issue":
            self.query_one("#f-type", Input).value = "1"
        if mode == "replace":
            self.query_one("#f-cause", Input).value = "1"
        self.render_all()
        fields = self._visible_fields()
        if fields:
            self.query_one(f"#{fields[0]}", Input).focus()
        else:
            self.set_focus(None)

    def _visible_fields(self) -> list[str]:
        return [f for f in FIELDS if self.query_one(f"#row-{f}").display]

    def _need_card(self) -> CardView | None:
        if self.card is None:
            self.show_message(t("cards.need_card", self.lang), "warning")
            self.query_one("#card-number", Input).focus()
            return None
        return self.card

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    async def _reload(self) -> None:
        if self.card is not None:
            self.card = await self.desk.lookup(number=self.card.number)

    async def _run(self, coro: Awaitable[Any]) -> bool:
        """One core call; a refusal is shown in the user's language and nothing else moves."""
        if self.busy:
            if hasattr(coro, "close"):
                coro.close()
            return False
        self.busy = True
        try:
            await coro
        except (CoreRefused, InputError) as exc:
            self._refused(exc)
            return False
        except Exception as exc:  # never a traceback on the attendant's screen
            self.show_message(t("err.unexpected", self.lang, detail=type(exc).__name__))
            return False
        finally:
            self.busy = False
        self.show_message("")
        return True

    async def _done(self, call: Callable[[], Awaitable[Any]], message: str) -> bool:
        async def go() -> None:
            await call()
            await self._reload()

        if await self._run(go()):
            self._set_mode("idle")
            self.show_message(message, "information")
            return True
        return False

    def _slip_message(self, slip: Printed, ok_text: str) -> None:
        if slip.ok:
            self.show_message(ok_text, "information")
        else:
            self.show_message(
                t("settle.print_queued", self.lang, error=(slip.outcome.error if slip.outcome else "")), "warning"
            )
