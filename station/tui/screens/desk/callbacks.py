"""Callbacks at the desk (回访): today's list drawn by a manager (D), walked with ↑↓, each call recorded with ⏎
(two scores 1–10, the other questions 1 satisfied 2 fair 3 poor, remarks) or marked not reached (U). The phone
phrases on the form are seed 000 §15's."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from station.config import STATION_TZ
from station.core.callbacks import CallbackDesk
from station.core.views import CallbackAnswer, CallbackView
from station.i18n import t
from station.money import format_yuan
from station.tui.common import InputError, Key, app_of, esc
from station.tui.screens.desk.base import DeskScreen

FORM = ("attitude", "ability", "environment", "speed", "note")
ANSWER_KEYS = {"1": "satisfied", "2": "fair", "3": "poor"}


class CallbacksScreen(DeskScreen):
    TITLE_KEY: ClassVar[str] = "callbacks.title"
    DEFAULT_CSS = (
        DeskScreen.DEFAULT_CSS
        + """
    #callback-list { height: auto; max-height: 8; }
    #callback-detail { height: auto; color: $text-muted; }
    """
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CallbackView] = []
        self.selected = 0
        self.mode = "list"  # list | form

    @property
    def callbacks(self) -> CallbackDesk:
        return CallbackDesk(app_of(self).core)

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="callback-help")
            yield Static("", id="callback-list")
            yield Static("", id="callback-detail")
            with Vertical(id="callback-form"):
                for name in FORM:
                    yield self.field(f"callbacks.f.{name}", f"cb-{name}", max_length=200 if name == "note" else 2)
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("escape", "back", "key.back"),
            Key("d", "draw", "callbacks.key.draw"),
            Key("enter", "record", "callbacks.key.record"),
            Key("u", "not_reached", "callbacks.key.not_reached"),
            Key("up", "move(-1)", "callbacks.key.move", show=False),
            Key("down", "move(1)", "callbacks.key.move", show=False),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self._set_mode("list")
        self.run_worker(self.load(), group="callbacks")

    async def load(self) -> None:
        try:
            self.rows = await self.callbacks.callbacks()
        except Exception as exc:
            self.refuse(exc)
            return
        self.selected = min(self.selected, max(len(self.rows) - 1, 0))
        self.refresh_body()

    def refresh_body(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        self.query_one("#callback-help", Static).update(
            t("callbacks.help_form" if self.mode == "form" else "callbacks.help", lang)
        )
        now = app_of(self).core.ledger.now()
        lines = []
        for i, c in enumerate(self.rows):
            mark = "▶" if i == self.selected else " "
            late = f" [b red]✗ {t('callbacks.overdue', lang)}[/]" if c.overdue(now) else ""
            follow = f" [b dark_orange]! {t('callbacks.follow_up', lang)}[/]" if c.follow_up else ""
            due = c.due_at.astimezone(STATION_TZ).strftime("%m-%d %H:%M")
            scores = ""
            if c.state == "done":
                scores = " · " + t("callbacks.scores", lang, attitude=c.attitude, ability=c.ability)
            lines.append(
                f"{mark} #{c.id} {t('callbacks.state.' + c.state, lang)} · {t('callbacks.due', lang, due=due)} · "
                f"{esc(c.attendant)} · {esc(c.phone)}{scores}{late}{follow}"
            )
        self.query_one("#callback-list", Static).update("\n".join(lines) or t("callbacks.none", lang))
        chosen = self.chosen()
        detail = ""
        if chosen is not None:
            sold = chosen.sale_at.astimezone(STATION_TZ).strftime("%m-%d %H:%M")
            detail = esc(
                f"{chosen.holder} {chosen.card_number} · {sold} ¥{format_yuan(chosen.amount_fen)}"
                + (f" · #{chosen.receipt_no}" if chosen.receipt_no else "")
            )
            if self.mode == "form":
                actor = app_of(self).core.actor
                station = app_of(self).core.settings.station.name
                opening = t("callbacks.opening", lang, station=station, number=actor.number if actor else "")
                detail += "\n" + esc(opening) + "\n" + esc(t("callbacks.closing", lang))
            elif chosen.note:
                detail += "\n" + esc(f"→ {chosen.note}")
        self.query_one("#callback-detail", Static).update(detail)

    def chosen(self) -> CallbackView | None:
        return self.rows[self.selected] if self.rows else None

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.query_one("#callback-form").display = mode == "form"
        if mode == "form":
            for name in FORM:
                self.query_one(f"#cb-{name}", Input).value = ""
            self.query_one("#cb-environment", Input).value = "1"
            self.query_one("#cb-speed", Input).value = "1"
            self.query_one("#cb-attitude", Input).focus()
        else:
            self.set_focus(None)
        self.refresh_body()

    def action_back(self) -> None:
        if self.mode != "list":
            self._set_mode("list")
            self.show("")
            return
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        if self.mode == "list" and self.rows:
            self.selected = (self.selected + step) % len(self.rows)
            self.refresh_body()

    def action_draw(self) -> None:
        if self.mode != "list":
            return

        async def go() -> None:
            try:
                drawn = await self.callbacks.draw()
            except Exception as exc:
                self.refuse(exc)
                return
            self.show(t("callbacks.drawn", self.lang, count=len(drawn)), "information")
            await self.load()

        self.run_worker(go(), group="callbacks")

    def action_record(self) -> None:
        chosen = self.chosen()
        if self.mode == "list" and chosen is not None and chosen.state == "pending":
            self.show("")
            self._set_mode("form")

    def action_not_reached(self) -> None:
        if self.mode == "list":
            self.run_worker(self._record(CallbackAnswer(reached=False)), group="callbacks")

    async def _record(self, answer: CallbackAnswer) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        try:
            done = await self.callbacks.record(chosen.id, answer)
        except Exception as exc:
            self.refuse(exc)
            return
        self._set_mode("list")
        self.show(
            t("callbacks.recorded", self.lang, id=done.id, state=t(f"callbacks.state.{done.state}", self.lang)),
            "information",
        )
        await self.load()

    @on(Input.Submitted, "#callback-form Input")
    async def _form_field(self, event: Input.Submitted) -> None:
        event.stop()
        fields = [self.query_one(f"#cb-{name}", Input) for name in FORM]
        if event.input is not fields[-1]:
            fields[fields.index(event.input) + 1].focus()
            return
        try:
            answer = self._answer()
        except InputError as exc:
            self.refuse(exc)
            return
        await self._record(answer)

    def _answer(self) -> CallbackAnswer:
        def value(name: str) -> str:
            return self.query_one(f"#cb-{name}", Input).value.strip()

        def score(name: str) -> int:
            text = value(name)
            if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10:
                self.query_one(f"#cb-{name}", Input).focus()
                raise InputError("callback_score_invalid", field=name, low=1, high=10)
            return int(text)

        def said(name: str) -> str:
            answer = ANSWER_KEYS.get(value(name))
            if answer is None:
                self.query_one(f"#cb-{name}", Input).focus()
                raise InputError("callback_answer_invalid", field=name)
            return answer

        return CallbackAnswer(
            reached=True,
            attitude=score("attitude"),
            ability=score("ability"),
            environment=said("environment"),
            speed=said("speed"),
            note=value("note"),
        )
