"""Card services at the counter (加气卡业务): look a card up, then one key per service.

Look a card up, then recharge, statement, lost, issue, PIN, replace, close and adjust. Manager-only actions ask
for a manager in :class:`ManagerAuthScreen` (reason required) and the ledger checks the role again. Every refusal
is shown in the user's language; nothing changes on a refusal. The screen is built in layers: ``view`` (panel,
form rows, one call at a time), ``form`` (the form read), ``services`` (the calls), and this module (keys,
look-up, submit).
"""

from __future__ import annotations

from textual import on
from textual.widgets import Input, Static

from station.core.cards import MANAGER_CARD_TYPES, Printed
from station.core.views import CardStatus, CardType, CardView
from station.i18n import t
from station.money import format_yuan
from station.tui.common import InputError, Key, app_of, apply_bindings, esc
from station.tui.screens.cards.fields import FIELDS
from station.tui.screens.cards.services import CardServiceCalls


class CardServicesScreen(CardServiceCalls):
    """F3: 加气卡业务. Present a card on the reader or type its number, then one key per service."""

    DEFAULT_CSS = """
    CardServicesScreen #cards-title { height: 1; background: $primary; padding: 0 1; }
    CardServicesScreen #lookup { height: 1; padding: 0 1; }
    CardServicesScreen #lookup-label { width: auto; padding-right: 1; }
    CardServicesScreen #card-number { width: 24; }
    CardServicesScreen #lookup-hint { width: 1fr; color: $text-muted; padding-left: 1; }
    CardServicesScreen #body { height: 1fr; }
    CardServicesScreen #card-panel { width: 36; border: round $primary; padding: 0 1; }
    CardServicesScreen #form { width: 1fr; border: round $accent; padding: 0 1; }
    CardServicesScreen #form-title { height: 1; text-style: bold; }
    CardServicesScreen .row { height: 1; }
    CardServicesScreen .row .label { width: 16; }
    CardServicesScreen .row Input { width: 1fr; background: $boost; }
    CardServicesScreen #info { height: 1fr; }
    CardServicesScreen #cards-message { height: auto; min-height: 1; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.relabel()
        self.query_one("#card-number", Input).focus()
        uid = app_of(self).core.card_on_reader
        if uid is not None:  # put down before F3: looked up as if put down now
            self.on_card_read(uid)

    def relabel(self) -> None:
        lang = self.lang
        app = app_of(self)
        actor = app.core.actor
        who = f" · {esc(actor.name)} ({esc(actor.number)})" if actor else ""
        station = esc(t("app.title", lang, station=app.core.settings.station.name))
        self.query_one("#cards-title", Static).update(f"[b]{t('cards.title', lang)}[/b]{who} · {station}")
        self.query_one("#lookup-label", Static).update(t("cards.lookup", lang))
        self.query_one("#lookup-hint", Static).update(t(app.reader_note or "cards.lookup_hint", lang))
        for field_id, key in FIELDS.items():
            self.query_one(f"#label-{field_id}", Static).update(t(key, lang))
        keys = [
            Key("r", "recharge", "cards.key.recharge", show=False),
            Key("b", "statement", "cards.key.statement", show=False),
            Key("l", "lost", "cards.key.lost", show=False),
            Key("n", "issue", "cards.key.issue", show=False),
            Key("p", "pin", "cards.key.pin", show=False),
            Key("x", "replace", "cards.key.replace", show=False),
            Key("z", "close_card", "cards.key.close", show=False),
            Key("j", "adjust", "cards.key.adjust", show=False),
            Key("f", "find", "cards.key.find", show=False),
            Key("enter", "confirm", "key.confirm", show=False),
            Key("escape", "back", "key.back"),
        ]
        apply_bindings(self, keys, lang)
        self.refresh_bindings()
        self.render_all()

    def _start(self, mode: str, needs_card: bool = True) -> None:
        if self.busy:
            return
        if needs_card and self._need_card() is None:
            return
        self.show_message("")
        self._set_mode(mode)

    def action_recharge(self) -> None:
        self._start("recharge")

    def action_lost(self) -> None:
        self._start("lost")

    def action_issue(self) -> None:
        self._start("issue", needs_card=False)

    def action_pin(self) -> None:
        self._start("pin")

    def action_replace(self) -> None:
        self._start("replace")

    def action_close_card(self) -> None:
        self._start("close")

    def action_adjust(self) -> None:
        self._start("adjust")

    async def action_statement(self) -> None:
        card = self._need_card()
        if card is None or self.busy:
            return
        self._set_mode("statement")
        lines: list[str] = []

        async def load() -> None:
            nonlocal lines
            desk = self.desk
            lines = await desk.statement_text(card.number, self.lang)
            if card.card_type is CardType.ACCOUNT:
                bill = await desk.bill(card.number)
                lines = [
                    t(
                        "cards.bill",
                        self.lang,
                        due=format_yuan(bill.due_fen),
                        available=format_yuan(bill.available_fen),
                    ),
                    "",
                    *lines,
                ]

        if await self._run(load()):
            self.info_lines = [*lines, "", t("cards.statement_print", self.lang)]
            self.render_all()

    def action_find(self) -> None:
        self.query_one("#card-number", Input).focus()

    def action_back(self) -> None:
        if self.mode != "idle":
            self._set_mode("idle")
            self.show_message("")
            return
        self.app.pop_screen()

    async def action_confirm(self) -> None:
        """Enter with no field focused: confirm a report-lost or a close, print a statement."""
        if self.mode == "lost":
            await self._report_lost()
        elif self.mode == "close":
            self._ask_manager("close", {})
        elif self.mode == "statement" and self.card is not None:
            card = self.card
            slip: Printed | None = None

            async def print_it() -> None:
                nonlocal slip
                slip = await self.desk.print_statement(card.number, self.lang)

            if await self._run(print_it()) and slip is not None:
                self._slip_message(slip, t("cards.statement_printed", self.lang))

    @on(Input.Submitted, "#card-number")
    async def _lookup_typed(self, event: Input.Submitted) -> None:
        await self._lookup(number=event.value)

    def on_card_read(self, uid: str) -> None:
        """A card on the reader: during issue or replace it is the new card; otherwise it is looked up."""
        if self.mode in ("issue", "replace"):
            self.query_one("#f-uid", Input).value = uid
            self.show_message(t("card.read", self.lang, uid=uid), "information")
            return
        self.run_worker(self._lookup(uid=uid))

    async def _lookup(self, *, number: str | None = None, uid: str | None = None) -> None:
        found: CardView | None = None

        async def get() -> None:
            nonlocal found
            found = await self.desk.lookup(number=number, uid=uid)

        if await self._run(get()):
            self.card = found
            self.query_one("#card-number", Input).value = found.number if found else ""
            self._set_mode("idle")
            if found is not None and found.status is not CardStatus.ACTIVE:
                self.show_message(t(f"cards.status.{found.status.value}.note", self.lang), "warning")

    @on(Input.Submitted, ".row Input")
    async def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.mode == "issue" and event.input.id == "f-type":
            self.render_all()  # the credit limit / staff number rows follow the type
        fields = self._visible_fields()
        current = event.input.id or ""
        if current in fields and fields.index(current) < len(fields) - 1:
            self.query_one(f"#{fields[fields.index(current) + 1]}", Input).focus()
            return
        await self._submit()

    async def _submit(self) -> None:
        try:
            params = self._parse_form()
        except InputError as exc:
            self._refused(exc)
            return
        if self.mode == "recharge":
            await self._recharge(params["amount"])
        elif self.mode == "issue":
            if params["card_type"] in MANAGER_CARD_TYPES:
                self._ask_manager("issue", params)
            else:
                await self._issue(params, None)
        elif self.mode in ("pin", "replace", "adjust"):
            self._ask_manager(self.mode, params)
