"""Card services at the counter (加气卡业务), one screen class past ~400 lines: every card action shares its look-up.

Look a card up, then recharge, statement, lost, issue, PIN, replace,
close and adjust. Manager-only actions ask for a manager in :class:`ManagerAuthScreen` (reason required) and
the ledger checks the role again. Every refusal is shown in the user's language; nothing changes on a refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core import entry
from station.core.cards import MANAGER_CARD_TYPES, CardDesk, Printed
from station.core.station import CoreRefused
from station.core.views import Actor, CardStatus, CardType, CardView, ReplaceCause
from station.i18n import Language, t
from station.money import MAX_FEN, format_yuan
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.widgets.footer import StationFooter

# field id -> catalogue key of its label
FIELDS: dict[str, str] = {
    "f-amount": "cards.f.amount",
    "f-adjust": "cards.f.adjust",
    "f-cause": "cards.f.cause",
    "f-type": "cards.f.type",
    "f-number": "cards.f.number",
    "f-uid": "cards.f.uid",
    "f-holder": "cards.f.holder",
    "f-phone": "cards.f.phone",
    "f-plates": "cards.f.plates",
    "f-limit": "cards.f.limit",
    "f-staff": "cards.f.staff",
    "f-pin": "cards.f.pin",
    "f-pin2": "cards.f.pin2",
}

MODE_FIELDS: dict[str, list[str]] = {
    "idle": [],
    "recharge": ["f-amount"],
    "lost": [],
    "issue": ["f-type", "f-number", "f-uid", "f-holder", "f-phone", "f-plates", "f-limit", "f-staff", "f-pin"],
    "pin": ["f-pin", "f-pin2"],
    "replace": ["f-cause", "f-number", "f-uid", "f-pin"],
    "close": [],
    "adjust": ["f-adjust"],
    "statement": [],
}

CARD_TYPES = {"1": CardType.STORED_VALUE, "2": CardType.ACCOUNT, "3": CardType.INTERNAL, "4": CardType.STAFF}
CAUSES = {"1": ReplaceCause.CUSTOMER, "2": ReplaceCause.CARD_FAULT}
STATUS_MARK = {
    CardStatus.ACTIVE: ("green", "✓"),
    CardStatus.LOST: ("red", "✗"),
    CardStatus.LOCKED: ("dark_orange", "!"),
    CardStatus.CLOSED: ("red", "✗"),
}


def parse_amount(text: str, *, signed: bool = False, field: str = "recharge") -> int:
    """Typed yuan to fen. Letters, blanks, zero, negatives (unless ``signed``) and absurd sizes are refused."""
    raw = entry.normalise(text)
    negative = False
    if signed and raw[:1] in ("-", "+"):
        negative, raw = raw[0] == "-", raw[1:].strip()
    fen = read_entry(entry.money, raw, field, maximum=MAX_FEN)
    return -fen if negative else fen


class CardServicesScreen(Screen[None]):
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

    def __init__(self) -> None:
        super().__init__()
        self.card: CardView | None = None
        self.mode = "idle"
        self.busy = False
        self.info_lines: list[str] = []
        self.last_slip: Printed | None = None

    # ------------------------------------------------------------------ layout

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

    def on_mount(self) -> None:
        self.relabel()
        self.query_one("#card-number", Input).focus()

    def relabel(self) -> None:
        lang = self.lang
        app = app_of(self)
        actor = app.core.actor
        who = f" · {esc(actor.name)} ({esc(actor.number)})" if actor else ""
        station = esc(t("app.title", lang, station=app.core.settings.station.name))
        self.query_one("#cards-title", Static).update(f"[b]{t('cards.title', lang)}[/b]{who} · {station}")
        self.query_one("#lookup-label", Static).update(t("cards.lookup", lang))
        self.query_one("#lookup-hint", Static).update(t("cards.lookup_hint", lang))
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

    # ------------------------------------------------------------------ rendering

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
            return f"[dim]{t('cards.none', lang)}[/dim]"
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

    # ------------------------------------------------------------------ modes

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

    # ------------------------------------------------------------------ the card

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

    # ------------------------------------------------------------------ the form

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

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

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

    def _parse_form(self) -> dict[str, Any]:
        mode = self.mode
        if mode == "recharge":
            return {"amount": parse_amount(self._value("f-amount"))}
        if mode == "adjust":
            return {"amount": parse_amount(self._value("f-adjust"), signed=True, field="adjust")}
        if mode == "pin":
            return {"pin": self._pin_pair()}
        if mode == "replace":
            cause = CAUSES.get(self._value("f-cause").strip())
            if cause is None:
                raise InputError("cause_invalid")
            return {
                "cause": cause,
                "number": self._card_number_field(),
                "uid": self._uid_field(),
                "pin": self._pin_single(),
            }
        if mode == "issue":
            card_type = CARD_TYPES.get(self._value("f-type").strip())
            if card_type is None:
                raise InputError("card_type_invalid")
            holder = self._value("f-holder").strip()
            if not holder:
                raise InputError("holder_required")
            limit = parse_amount(self._value("f-limit"), field="limit") if card_type is CardType.ACCOUNT else 0
            staff = self._value("f-staff").strip() if card_type is CardType.STAFF else None
            if card_type is CardType.STAFF and not staff:
                raise InputError("staff_number_required")
            typed_plates = entry.normalise(self._value("f-plates")).replace(",", " ").replace(",", " ").split()
            plates = [read_entry(entry.plate, p) for p in typed_plates]
            phone = self._value("f-phone").strip()
            if phone and not all(c.isdigit() or c in "-+ " for c in phone):
                raise InputError("phone_invalid")
            return {
                "card_type": card_type,
                "number": self._card_number_field(),
                "uid": self._uid_field(),
                "holder": holder,
                "phone": phone,
                "plates": plates,
                "limit": limit,
                "staff": staff,
                "pin": self._pin_single(),
            }
        return {}

    def _card_number_field(self) -> str:
        number = self._value("f-number").strip()
        if not number:
            raise InputError("input_empty")
        if len(number) > 32 or not number.isalnum() or not number.isascii():
            raise InputError("card_number_invalid")
        return number

    def _uid_field(self) -> str | None:
        uid = self._value("f-uid").strip().upper()
        if uid and (len(uid) > 20 or not all(c in "0123456789ABCDEF" for c in uid)):
            raise InputError("uid_invalid")
        return uid or None

    def _pin_single(self) -> str:
        return read_entry(entry.pin, self._value("f-pin"))

    def _pin_pair(self) -> str:
        pin = self._pin_single()
        if entry.normalise(self._value("f-pin2")) != pin:
            raise InputError("pin_mismatch")
        return pin

    # ------------------------------------------------------------------ manager approval

    def _ask_manager(self, action: str, params: dict[str, Any]) -> None:
        card = self.card
        lang = self.lang
        masked = card.masked_number if card else ""
        why = t(f"cards.why.{action}", lang, card=masked, amount=format_yuan(params.get("amount", 0)))

        def done(result: tuple[str, str, str] | None) -> None:
            if result is None:
                self.show_message(t("cards.cancelled", self.lang), "warning")
                return
            self.run_worker(self._with_manager(action, params, *result))

        self.app.push_screen(ManagerAuthScreen(why), done)

    async def _with_manager(self, action: str, params: dict[str, Any], number: str, pin: str, reason: str) -> None:
        manager: Actor | None = None

        async def auth() -> None:
            nonlocal manager
            manager = await self.desk.manager(number, pin)

        if not await self._run(auth()) or manager is None:
            return
        if action == "issue":
            await self._issue(params, manager)
        elif action == "pin":
            await self._reset_pin(manager, params["pin"], reason)
        elif action == "replace":
            await self._replace(manager, params)
        elif action == "close":
            await self._close(manager, reason)
        elif action == "adjust":
            amount = params["amount"]
            if self.desk.needs_second_manager(amount):
                self._ask_second_manager(manager, amount, reason)
            else:
                await self._adjust(manager, amount, reason, None)

    def _ask_second_manager(self, manager: Actor, amount: int, reason: str) -> None:
        limit = app_of(self).core.settings.thresholds.adjustment_approval_limit
        why = t("cards.why.second", self.lang, amount=format_yuan(amount), limit=format_yuan(limit))

        def done(result: tuple[str, str, str] | None) -> None:
            if result is None:
                self.show_message(t("err.second_manager_required", self.lang))
                return
            self.run_worker(self._second(manager, amount, reason, result))

        self.app.push_screen(ManagerAuthScreen(why), done)

    async def _second(self, manager: Actor, amount: int, reason: str, creds: tuple[str, str, str]) -> None:
        approver: Actor | None = None

        async def auth() -> None:
            nonlocal approver
            approver = await self.desk.manager(creds[0], creds[1])

        if await self._run(auth()) and approver is not None:
            await self._adjust(manager, amount, f"{reason} / {creds[2]}", approver)

    # ------------------------------------------------------------------ the services

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

    async def _recharge(self, amount: int) -> None:
        card = self.card
        if card is None:
            return
        outcome_box: list[Any] = []

        async def go() -> None:
            outcome_box.append(await self.desk.recharge(card.number, amount, self.lang))
            await self._reload()

        if await self._run(go()):
            outcome = outcome_box[0]
            self._set_mode("idle")
            self.info_lines = [t("settle.receipt", self.lang), *outcome.slip.lines]
            self.render_all()
            self._slip_message(
                outcome.slip,
                t(
                    "cards.recharged",
                    self.lang,
                    amount=format_yuan(amount),
                    balance=format_yuan(outcome.card.balance_fen),
                ),
            )

    async def _report_lost(self) -> None:
        card = self.card
        if card is None:
            return
        await self._done(
            lambda: self.desk.report_lost(card.number), t("cards.lost_done", self.lang, card=card.masked_number)
        )

    async def _issue(self, params: dict[str, Any], manager: Actor | None) -> None:
        issued: list[CardView] = []

        async def go() -> None:
            issued.append(
                await self.desk.issue(
                    number=params["number"],
                    uid=params["uid"],
                    card_type=params["card_type"],
                    holder=params["holder"],
                    pin=params["pin"],
                    phone=params["phone"],
                    plates=params["plates"],
                    credit_limit_fen=params["limit"],
                    staff_number=params["staff"],
                    manager=manager,
                )
            )

        if await self._run(go()):
            self.card = issued[0]
            self.query_one("#card-number", Input).value = self.card.number
            self._set_mode("idle")
            self.show_message(t("cards.issued", self.lang, number=self.card.number), "information")

    async def _reset_pin(self, manager: Actor, pin: str, reason: str) -> None:
        card = self.card
        if card is None:
            return
        await self._done(
            lambda: self.desk.reset_pin(manager, card.number, pin, reason),
            t("cards.pin_done", self.lang, card=card.masked_number),
        )

    async def _replace(self, manager: Actor, params: dict[str, Any]) -> None:
        card = self.card
        if card is None:
            return
        result: list[Any] = []

        async def go() -> None:
            result.append(
                await self.desk.replace(
                    manager,
                    card.number,
                    new_number=params["number"],
                    new_uid=params["uid"],
                    cause=params["cause"],
                    pin=params["pin"],
                )
            )

        if await self._run(go()):
            outcome = result[0]
            self.card = outcome.card
            self.query_one("#card-number", Input).value = outcome.card.number
            self._set_mode("idle")
            self.show_message(
                t(
                    "cards.replaced",
                    self.lang,
                    old=outcome.old_number,
                    new=outcome.card.number,
                    moved=format_yuan(outcome.moved_fen),
                    fee=format_yuan(outcome.fee_fen),
                ),
                "information",
            )

    async def _close(self, manager: Actor, reason: str) -> None:
        card = self.card
        if card is None:
            return
        result: list[Any] = []

        async def go() -> None:
            result.append(await self.desk.close(manager, card.number, reason, self.lang))
            await self._reload()

        if await self._run(go()):
            outcome = result[0]
            self._set_mode("idle")
            self.info_lines = [t("settle.receipt", self.lang), *outcome.slip.lines]
            self.render_all()
            self._slip_message(outcome.slip, t("cards.closed", self.lang, refund=format_yuan(outcome.refund_fen)))

    async def _adjust(self, manager: Actor, amount: int, reason: str, approver: Actor | None) -> None:
        card = self.card
        if card is None:
            return
        await self._done(
            lambda: self.desk.adjust(manager, card.number, amount, reason, approver),
            t("cards.adjusted", self.lang, amount=format_yuan(amount)),
        )
