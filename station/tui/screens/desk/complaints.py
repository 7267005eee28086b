"""Complaints at the desk (投诉): the list by deadline (overdue marked), a new one taken down, and each moved on
through its loop: in hand, answered (the answer's words), closed. Any logged-in staff may take one down."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from station.config import STATION_TZ
from station.core.complaints import ComplaintDesk
from station.core.views import CATEGORIES, ComplaintEntry, ComplaintView
from station.i18n import t
from station.tui.common import InputError, Key, app_of, esc
from station.tui.screens.desk.base import DeskScreen, print_report

FORM = ("channel", "customer", "phone", "plate", "category", "content", "about")
CHANNELS = {"1": "phone", "2": "kiosk"}


class ComplaintsScreen(DeskScreen):
    TITLE_KEY: ClassVar[str] = "complaints.title"
    DEFAULT_CSS = (
        DeskScreen.DEFAULT_CSS
        + """
    #complaint-list { height: auto; max-height: 8; }
    #complaint-detail { height: auto; color: $text-muted; }
    """
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ComplaintView] = []
        self.selected = 0
        self.mode = "list"  # list | new | answer

    @property
    def complaints(self) -> ComplaintDesk:
        return ComplaintDesk(app_of(self).core)

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="complaint-help")
            yield Static("", id="complaint-list")
            yield Static("", id="complaint-detail")
            with Vertical(id="complaint-form"):
                for name in FORM:
                    yield self.field(f"complaints.f.{name}", f"c-{name}", max_length=200 if name == "content" else 40)
            yield self.field("complaints.f.answer", "c-answer", max_length=200)
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("escape", "back", "key.back"),
            Key("n", "new", "complaints.key.new"),
            Key("h", "hand", "complaints.key.hand"),
            Key("a", "answer", "complaints.key.answer"),
            Key("x", "close", "complaints.key.close"),
            Key("p", "print", "complaints.key.print"),
            Key("up", "move(-1)", "complaints.key.new", show=False),
            Key("down", "move(1)", "complaints.key.new", show=False),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self._set_mode("list")
        self.run_worker(self.load(), group="complaints")

    async def load(self) -> None:
        try:
            self.rows = await self.complaints.complaints()
        except Exception as exc:
            self.refuse(exc)
            return
        self.selected = min(self.selected, max(len(self.rows) - 1, 0))
        self.refresh_body()

    def refresh_body(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        help_key = {"new": "complaints.help_new", "answer": "complaints.help_answer"}.get(self.mode, "complaints.help")
        self.query_one("#complaint-help", Static).update(t(help_key, lang))
        now = app_of(self).core.ledger.now()
        lines = []
        for i, c in enumerate(self.rows):
            mark = "▶" if i == self.selected else " "
            late = f" [b red]✗ {t('complaints.overdue', lang)}[/]" if c.overdue(now) else ""
            due = c.due_at.astimezone(STATION_TZ).strftime("%m-%d %H:%M")
            lines.append(
                f"{mark} #{c.id} {t('complaints.state.' + c.state, lang)} · "
                f"{t('complaints.due', lang, due=due)} · {esc(c.customer)} · "
                f"{t('complaints.category.' + c.category, lang)}{late}"
            )
        self.query_one("#complaint-list", Static).update("\n".join(lines) or t("complaints.none", lang))
        chosen = self.chosen()
        detail = ""
        if chosen is not None:
            detail = esc(
                f"{chosen.phone} {chosen.plate or chosen.card_number} {chosen.about_attendant}\n{chosen.content}"
            )
            if chosen.answer:
                detail += "\n" + esc(f"→ {chosen.answer}")
        self.query_one("#complaint-detail", Static).update(detail)

    def chosen(self) -> ComplaintView | None:
        return self.rows[self.selected] if self.rows else None

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.query_one("#complaint-form").display = mode == "new"
        answer_row = self.query_one("#c-answer", Input).parent
        assert answer_row is not None
        answer_row.display = mode == "answer"
        if mode == "new":
            for name in FORM:
                self.query_one(f"#c-{name}", Input).value = ""
            self.query_one("#c-channel", Input).value = "1"
            self.query_one("#c-category", Input).value = "1"
            self.query_one("#c-customer", Input).focus()
        elif mode == "answer":
            self.query_one("#c-answer", Input).value = ""
            self.query_one("#c-answer", Input).focus()
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

    def action_new(self) -> None:
        self.show("")
        self._set_mode("new")

    def action_hand(self) -> None:
        self.run_worker(self._move("in_hand"), group="complaints")

    def action_answer(self) -> None:
        if self.chosen() is not None:
            self._set_mode("answer")

    def action_print(self) -> None:
        chosen = self.chosen()
        if chosen is None or self.mode != "list":
            return

        async def go() -> None:
            try:
                slip = await self.complaints.slip(chosen.id)
            except Exception as exc:
                self.refuse(exc)
                return
            await print_report(self, slip)

        self.run_worker(go(), group="complaints")

    def action_close(self) -> None:
        self.run_worker(self._move("closed"), group="complaints")

    async def _move(self, to: str, note: str = "") -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        try:
            await self.complaints.move(chosen.id, to, note)
        except Exception as exc:
            self.refuse(exc)
            return
        self._set_mode("list")
        self.show(
            t("complaints.moved", self.lang, id=chosen.id, state=t(f"complaints.state.{to}", self.lang)), "information"
        )
        await self.load()

    @on(Input.Submitted, "#complaint-form Input")
    async def _form_field(self, event: Input.Submitted) -> None:
        event.stop()
        fields = [self.query_one(f"#c-{name}", Input) for name in FORM]
        if event.input is not fields[-1]:
            fields[fields.index(event.input) + 1].focus()
            return
        try:
            entry = self._entry()
            complaint_id = await self.complaints.take(entry)
        except Exception as exc:
            self.refuse(exc)
            return
        hours = app_of(self).core.settings.service.complaint_answer_hours
        self._set_mode("list")
        self.show(t("complaints.taken", self.lang, id=complaint_id, hours=hours), "information")
        await self.load()

    @on(Input.Submitted, "#c-answer")
    async def _answered(self, event: Input.Submitted) -> None:
        event.stop()
        await self._move("answered", event.value)

    def _entry(self) -> ComplaintEntry:
        def value(name: str) -> str:
            return self.query_one(f"#c-{name}", Input).value.strip()

        channel = CHANNELS.get(value("channel"))
        if channel is None:
            self.query_one("#c-channel", Input).focus()
            raise InputError("complaint_channel_choice")
        number = value("category")
        if not (number.isdigit() and 1 <= int(number) <= len(CATEGORIES)):
            self.query_one("#c-category", Input).focus()
            raise InputError("complaint_category_choice")
        plate_or_card = value("plate")
        is_card = plate_or_card.isdigit()
        return ComplaintEntry(
            channel=channel,
            customer=value("customer"),
            phone=value("phone"),
            category=CATEGORIES[int(number) - 1],
            content=value("content"),
            plate="" if is_card else plate_or_card,
            card_number=plate_or_card if is_card else "",
            about_attendant=value("about"),
        )
