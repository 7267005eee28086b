"""The manager's desk (站长台): shift open and close, cash drops, the reconciliation, prices, reports.

Every screen is a client of :class:`station.core.desk.ManagerDesk`; manager-only is enforced by the ledger
services, the screens only ask for a manager's credentials when the logged-in actor is not one. Forms are
one field per line: Enter moves to the next field, Enter on the last one goes on; Esc goes back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from station.config import STATION_TZ
from station.core import entry
from station.core.desk import REPORT_KINDS, DispenserPush, ManagerDesk, NozzleReading, PriceChange
from station.core.station import CoreRefused
from station.i18n import Language, t
from station.ledger.reports.sections import permille, seconds
from station.ledger.shifts.values import DENOMINATIONS_FEN, DrawerStatus, Reconciliation
from station.ledger.staff import Actor
from station.money import MoneyFormatError, format_centi, format_yuan, parse_decimal_units, parse_yuan
from station.printouts.report import Report
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text
from station.tui.day_close import DayCloseConfirmScreen
from station.tui.footer import StationFooter
from station.tui.report_view import report_lines

log = logging.getLogger(__name__)

MAX_TOTALIZER_INPUT = 10**13

DESK_CSS = """
.desk-title { height: 1; background: $primary; color: $text; padding: 0 1; }
.desk-body { height: 1fr; padding: 0 1; }
.desk-message { height: auto; max-height: 4; padding: 0 1; }
.form-row { height: 1; margin: 0; }
.form-label { width: 31; height: 1; }
.form-row Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
.form-row Input:focus { border: none; background: $accent 35%; }
.form-row .hint { width: auto; height: 1; color: $text-muted; padding: 0 1; }
.form-head { height: 1; margin-top: 1; text-style: bold; color: $accent; }
.form-gap { margin-bottom: 1; }
"""


# ---------------------------------------------------------------------------------------------- helpers


def pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad to a terminal width (Chinese characters take two cells)."""
    gap = max(0, width - cell_len(text))
    return " " * gap + text if right else text + " " * gap


def mark(ok: bool, warn: bool = False) -> str:
    """Colour always paired with a symbol: ✓ green, ! amber, ✗ red."""
    if ok:
        return "[b green]✓[/]"
    return "[b dark_orange]![/]" if warn else "[b red]✗[/]"


def local(moment: dt.datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(STATION_TZ).strftime("%Y-%m-%d %H:%M")


def yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(fen)


def qty(centi: int | None) -> str:
    return "—" if centi is None else format_centi(centi)


def signed_yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    return ("+" if fen > 0 else "") + format_yuan(fen)


def denomination_label(fen: int, lang: Language) -> str:
    if fen >= 100:
        return t("desk.denom_yuan", lang, value=fen // 100)
    if fen >= 10:
        return t("desk.denom_jiao", lang, value=fen // 10)
    return t("desk.denom_fen", lang, value=fen)


def problem_names(codes: list[str] | tuple[str, ...], lang: Language) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(t(f"desk.problem.{c}", lang) for c in codes)


def parse_count(text: str) -> int:
    if not entry.normalise(text):
        return 0
    return read_entry(entry.count, text, "count")


def parse_totalizer_quantity(text: str) -> int:
    if not text.strip():
        raise InputError("input_empty")
    try:
        return parse_decimal_units(text, places=2, maximum=MAX_TOTALIZER_INPUT)
    except MoneyFormatError:
        raise InputError("input_not_number") from None


def parse_totalizer_amount(text: str) -> int:
    if not text.strip():
        raise InputError("input_empty")
    try:
        return parse_yuan(text, allow_zero=True, maximum=MAX_TOTALIZER_INPUT)
    except MoneyFormatError:
        raise InputError("input_not_number") from None


def parse_amount(text: str, *, allow_zero: bool = False) -> int:
    if not text.strip():
        raise InputError("input_empty")
    try:
        return parse_yuan(text, allow_zero=allow_zero)
    except MoneyFormatError:
        raise InputError("input_not_number") from None


def parse_when(text: str) -> dt.datetime | None:
    """Empty: now. Otherwise a local (China) time ``YYYY-MM-DD HH:MM``."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        raise InputError("time_invalid") from None
    return moment.replace(tzinfo=STATION_TZ).astimezone(dt.UTC)


def drawer_lines(status: DrawerStatus, lang: Language) -> list[str]:
    lines = [
        t("desk.drawer_cash", lang, cash=format_yuan(status.cash_fen), limit=format_yuan(status.limit_fen)),
        t("desk.drawer_drops", lang, count=status.drop_count, amount=format_yuan(status.drops_fen)),
    ]
    if status.warning:
        lines.append(f"[b dark_orange]! {t('desk.drawer_warning', lang, excess=format_yuan(status.excess_fen))}[/]")
    else:
        lines.append(f"[green]✓ {t('desk.drawer_ok', lang)}[/]")
    return lines


# ---------------------------------------------------------------------------------------------- base


class DeskScreen(Screen[Any]):
    """Title, body, message line and footer; translated labels follow the language switch."""

    DEFAULT_CSS = DESK_CSS
    TITLE_KEY: ClassVar[str] = "desk.title"

    def __init__(self, manager: Actor | None = None, *, export_dir: Path | None = None) -> None:
        super().__init__()
        self.manager = manager
        self.export_dir = export_dir
        self._labels: list[tuple[Static, str, dict[str, Any]]] = []

    # ---- pieces

    @property
    def lang(self) -> Language:
        return app_of(self).language

    @property
    def desk(self) -> ManagerDesk:
        app = app_of(self)
        desk = getattr(app, "_manager_desk", None)
        if not isinstance(desk, ManagerDesk) or desk.core is not app.core:
            desk = ManagerDesk(app.core)
            app._manager_desk = desk  # type: ignore[attr-defined]
        return desk

    def label(self, key: str, classes: str = "form-label", **params: Any) -> Static:
        widget = Static(t(key, self.lang, **params), classes=classes)
        self._labels.append((widget, key, params))
        return widget

    def field(self, key: str, input_id: str, *, placeholder: str = "", value: str = "", **kw: Any) -> Horizontal:
        return Horizontal(
            self.label(key), Input(value=value, id=input_id, placeholder=placeholder, **kw), classes="form-row"
        )

    def compose_title(self) -> ComposeResult:
        yield Static("", id="desk-title", classes="desk-title")

    def compose_tail(self) -> ComposeResult:
        yield Static("", id="desk-message", classes="desk-message")
        yield StationFooter()

    def keys(self) -> list[Key]:
        return [Key("escape", "back", "key.back")]

    def relabel(self) -> None:
        lang = self.lang
        actor = app_of(self).core.actor
        who = f" · {esc(actor.name)} ({esc(actor.number)})" if actor else ""
        self.query_one("#desk-title", Static).update(f"[b]{t(self.TITLE_KEY, lang)}[/b]{who}")
        for widget, key, params in self._labels:
            widget.update(t(key, lang, **params))
        apply_bindings(self, self.keys(), lang)
        self.refresh_bindings()
        self.refresh_body()

    def refresh_body(self) -> None:
        """Re-render language-dependent body text (overridden)."""

    def on_mount(self) -> None:
        self.relabel()

    def show(self, text: str, severity: str = "error") -> None:
        colour = {"error": "red", "warning": "dark_orange"}.get(severity, "green")
        symbol = {"error": "✗", "warning": "!"}.get(severity, "✓")
        self.query_one("#desk-message", Static).update(f"[b {colour}]{symbol} {esc(text)}[/]" if text else "")

    def refuse(self, exc: Exception) -> None:
        """A refusal explained in the user's language; anything unexpected logged and shown, never a traceback."""
        if not isinstance(exc, CoreRefused | InputError):
            log.exception("desk action failed", exc_info=exc)
        if isinstance(exc, CoreRefused) and exc.code == "variance_needs_note":
            problems = exc.params.get("problems") or []
            self.show(t("desk.needs_note", self.lang, problems=problem_names(problems, self.lang)))
            return
        self.show(refusal_text(exc, self.lang))

    def action_back(self) -> None:
        self.dismiss(None)

    # ---- the manager

    def with_manager(self, why_key: str, then: Callable[[Actor], Awaitable[None]]) -> None:
        """Run ``then`` with a manager: the one already known, the logged-in one, or credentials asked now."""
        core = app_of(self).core
        if self.manager is None and core.actor is not None and core.actor.is_manager:
            self.manager = core.actor
        if self.manager is not None:
            self.run_worker(then(self.manager), exclusive=True, group="desk")
            return

        async def checked(result: tuple[str, str, str] | None) -> None:
            if result is None:
                return
            number, pin, _reason = result
            try:
                actor = await core.manager(number, pin)
            except Exception as exc:
                self.refuse(exc)
                return
            self.manager = actor
            self.show("")
            await then(actor)

        from station.tui.app import ManagerAuthScreen

        self.app.push_screen(ManagerAuthScreen(t(why_key, self.lang)), checked)

    # ---- forms

    def inputs(self) -> list[Input]:
        return [i for i in self.query(Input) if i.display]

    def next_input(self, current: Input) -> bool:
        """Focus the field after ``current``; False when it was the last one."""
        fields = self.inputs()
        if current in fields and fields.index(current) < len(fields) - 1:
            fields[fields.index(current) + 1].focus()
            return False
        return True


# ---------------------------------------------------------------------------------------------- the menu


class ManagerDeskScreen(DeskScreen):
    """The desk's menu: O open shift, D cash drop, C close shift, R reconciliation, T reports, P prices."""

    DEFAULT_CSS = (
        DESK_CSS
        + """
    #desk-menu { height: auto; padding: 1 2; border: round $primary; margin: 1 0; }
    """
    )

    def __init__(self, manager: Actor | None = None, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self._status: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="desk-status")
            yield Static("", id="desk-menu")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            Key("o", "open_shift", "desk.key.open"),
            Key("d", "drop", "desk.key.drop"),
            Key("c", "close_shift", "desk.key.close"),
            Key("r", "reconciliation", "desk.key.reconciliation"),
            Key("t", "reports", "desk.key.reports"),
            Key("p", "prices", "desk.key.prices"),
            Key("escape", "back", "key.back"),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.run_worker(self.load_status(), group="status")

    def on_screen_resume(self) -> None:
        self.relabel()
        self.run_worker(self.load_status(), group="status")

    async def load_status(self) -> None:
        lang = self.lang
        try:
            shift = await self.desk.current_shift()
            drawer = await self.desk.drawer_status()
        except Exception as exc:
            self.refuse(exc)
            return
        lines = [t("desk.shift_open", lang, shift=shift) if shift else t("desk.no_shift", lang)]
        lines += drawer_lines(drawer, lang)
        self._status = lines
        self.query_one("#desk-status", Static).update("\n".join(lines))

    def refresh_body(self) -> None:
        lang = self.lang
        items = [
            ("O", "desk.menu.open"),
            ("D", "desk.menu.drop"),
            ("C", "desk.menu.close"),
            ("R", "desk.menu.reconciliation"),
            ("T", "desk.menu.reports"),
            ("P", "desk.menu.prices"),
            ("Esc", "desk.menu.back"),
        ]
        self.query_one("#desk-menu", Static).update("\n".join(f"[b]{pad(k, 4)}[/b] {t(key, lang)}" for k, key in items))
        if self.is_mounted:
            self.run_worker(self.load_status(), group="status")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open_shift(self) -> None:
        async def go(manager: Actor) -> None:
            self.app.push_screen(OpenShiftScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.open", go)

    def action_drop(self) -> None:
        self.app.push_screen(CashDropScreen(self.manager, export_dir=self.export_dir))

    def action_close_shift(self) -> None:
        async def go(manager: Actor) -> None:
            try:
                shift = await self.desk.current_shift()
            except Exception as exc:
                self.refuse(exc)
                return
            if shift is None:
                self.show(t("err.no_open_shift", self.lang))
                return
            self.app.push_screen(CloseShiftScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.close", go)

    def action_reconciliation(self) -> None:
        async def go(manager: Actor) -> None:
            try:
                rec = await self.desk.reconciliation()
            except Exception as exc:
                self.refuse(exc)
                return
            self.app.push_screen(ReconciliationScreen(rec, manager=manager, export_dir=self.export_dir))

        self.with_manager("desk.why.reports", go)

    def action_reports(self) -> None:
        async def go(manager: Actor) -> None:
            self.app.push_screen(ReportsScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.reports", go)

    def action_prices(self) -> None:
        async def go(manager: Actor) -> None:
            self.app.push_screen(PriceScreen(manager, export_dir=self.export_dir))

        self.with_manager("desk.why.prices", go)


# ---------------------------------------------------------------------------------------------- totalizers


class TotalizerForm:
    """Rows of totalizers read from the dispensers; an offline nozzle gets two fields to type them."""

    def __init__(self, screen: DeskScreen, prefix: str) -> None:
        self.screen = screen
        self.prefix = prefix
        self.readings: list[NozzleReading] = []

    def rows(self, readings: list[NozzleReading]) -> list[Horizontal]:
        self.readings = readings
        lang = self.screen.lang
        unit = app_of(self.screen).core.settings.station.sale_unit
        out: list[Horizontal] = []
        for r in readings:
            name = self.screen.label("lane.name", d=r.dispenser, n=r.nozzle)
            if r.online:
                value = Static(
                    f"{qty(r.quantity_centi)} {unit}  ¥{yuan(r.amount_fen)}  {mark(True)} {t('desk.read_ok', lang)}",
                    classes="hint",
                )
                out.append(Horizontal(name, value, classes="form-row"))
            else:
                base = f"{self.prefix}-{r.dispenser}-{r.nozzle}"
                out.append(
                    Horizontal(
                        name,
                        Input(id=f"{base}-q", placeholder=t("desk.typed_qty", lang, unit=unit), max_length=12),
                        Input(id=f"{base}-a", placeholder=t("desk.typed_amount", lang), max_length=12),
                        Static(f"{mark(False, warn=True)} {t('desk.offline_type', lang)}", classes="hint"),
                        classes="form-row",
                    )
                )
        return out

    def values(self) -> dict[tuple[int, int], tuple[int, int, bool]]:
        typed: dict[tuple[int, int], tuple[int, int]] = {}
        for r in self.readings:
            if r.online:
                continue
            base = f"#{self.prefix}-{r.dispenser}-{r.nozzle}"
            q_input = self.screen.query_one(f"{base}-q", Input)
            a_input = self.screen.query_one(f"{base}-a", Input)
            try:
                quantity = parse_totalizer_quantity(q_input.value)
            except InputError:
                q_input.focus()
                raise
            try:
                amount = parse_totalizer_amount(a_input.value)
            except InputError:
                a_input.focus()
                raise
            typed[r.key] = (quantity, amount)
        return ManagerDesk.totalizers(self.readings, typed)


# ---------------------------------------------------------------------------------------------- open shift


class TotalizerScreen(DeskScreen):
    """A desk screen that reads every nozzle's totalizer from the dispensers (F5 reads them again)."""

    form: TotalizerForm

    async def read(self) -> None:
        self.query_one("#reading", Static).update(f"… {t('desk.reading', self.lang)}")
        readings = await self.desk.read_totalizers()
        for row in self.query(".totalizer-row"):
            await row.remove()
        rows = self.form.rows(readings)
        for row in rows:
            row.add_class("totalizer-row")
        await self.query_one("#form", VerticalScroll).mount_all(rows)
        offline = [r for r in readings if not r.online]
        self.query_one("#reading", Static).update(
            f"{mark(False, warn=True)} {t('desk.some_offline', self.lang, count=len(offline))}"
            if offline
            else f"{mark(True)} {t('desk.all_read', self.lang)}"
        )

    def action_reread(self) -> None:
        self.run_worker(self.read(), group="read", exclusive=True)


class OpenShiftScreen(TotalizerScreen):
    """Attendants, the opening float and every nozzle's opening totalizers (read, or typed when offline)."""

    TITLE_KEY = "desk.open.title"

    def __init__(self, manager: Actor, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.form = TotalizerForm(self, "open")

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body", id="form"):
            yield self.label("desk.open.help", classes="hint")
            yield self.field("desk.attendants", "attendants", placeholder="1001, 1002", max_length=80)
            yield self.field("desk.float", "float", placeholder="500.00", max_length=12)
            yield Static("", id="carried", classes="hint")
            # Shown only when the float or the totalizers differ from the last close: then a note is required.
            note = self.field("desk.open_note", "open-note", max_length=200)
            note.id = "open-note-row"
            note.display = False
            yield note
            yield self.label("desk.opening_totalizers", classes="form-head")
            yield Static("", id="reading")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [Key("f5", "reread", "desk.key.reread"), Key("escape", "back", "key.back")]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#attendants", Input).focus()
        self.query_one("#open-note", Input).display = False
        self.run_worker(self.read(), group="read")
        self.run_worker(self.load_carried(), group="carried")

    async def load_carried(self) -> None:
        carried = await self.desk.carried_cash()
        if carried is not None:
            self.query_one("#carried", Static).update(t("desk.open.carried", self.lang, amount=yuan(carried)))

    def ask_note(self) -> None:
        self.query_one("#open-note-row").display = True
        note = self.query_one("#open-note", Input)
        note.display = True
        note.focus()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        if self.next_input(event.input):
            await self.submit()

    async def submit(self) -> None:
        assert self.manager is not None
        numbers = [n for n in re.split(r"[,，\s]+", self.query_one("#attendants", Input).value) if n]
        try:
            if not numbers:
                self.query_one("#attendants", Input).focus()
                raise InputError("attendants_required")
            try:
                float_fen = parse_amount(self.query_one("#float", Input).value, allow_zero=True)
            except InputError:
                self.query_one("#float", Input).focus()
                raise
            totalizers = self.form.values()
            note = self.query_one("#open-note", Input).value.strip()
            shift = await self.desk.open_shift(self.manager, numbers, float_fen, totalizers, note)
        except Exception as exc:
            self.refuse(exc)
            if isinstance(exc, CoreRefused) and exc.code in ("float_differs_needs_note", "totalizer_gap_needs_note"):
                self.ask_note()
            return
        self.app.notify(t("desk.opened", self.lang, shift=shift))
        self.dismiss(shift)


# ---------------------------------------------------------------------------------------------- cash drop


class CashDropScreen(DeskScreen):
    """Cash from the drawer to the safe: any logged-in staff; the drawer and its limit shown."""

    TITLE_KEY = "desk.drop.title"

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="drawer")
            yield self.field("desk.drop_amount", "amount", placeholder="1000.00", max_length=12)
            yield Static("", id="drops")
        yield from self.compose_tail()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#amount", Input).focus()
        self.run_worker(self.load(), group="drawer")

    async def load(self) -> None:
        try:
            status = await self.desk.drawer_status()
        except Exception as exc:
            self.refuse(exc)
            return
        self.render_status(status)

    def render_status(self, status: DrawerStatus) -> None:
        self.query_one("#drawer", Static).update("\n".join(drawer_lines(status, self.lang)))

    def refresh_body(self) -> None:
        if self.is_mounted:
            self.run_worker(self.load(), group="drawer")

    @on(Input.Submitted, "#amount")
    async def _drop(self) -> None:
        core = app_of(self).core
        field = self.query_one("#amount", Input)
        try:
            amount = parse_amount(field.value)
            actor = core.actor
            if actor is None:
                raise CoreRefused("not_logged_in")
            status = await self.desk.cash_drop(actor, amount)
        except Exception as exc:
            self.refuse(exc)
            return
        field.value = ""
        self.render_status(status)
        self.show(
            t("desk.dropped", self.lang, amount=format_yuan(amount), cash=format_yuan(status.cash_fen)),
            "warning" if status.warning else "information",
        )


# ---------------------------------------------------------------------------------------------- close shift


class CloseShiftScreen(TotalizerScreen):
    """Closing totalizers, the drawer counted by denomination, a note; then the reconciliation to confirm."""

    TITLE_KEY = "desk.close.title"

    def __init__(self, manager: Actor, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.form = TotalizerForm(self, "close")
        self.note = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body", id="form"):
            yield self.label("desk.close.help", classes="hint")
            yield self.label("desk.count_head", classes="form-head")
            for denomination in DENOMINATIONS_FEN:
                yield Horizontal(
                    Static(denomination_label(denomination, self.lang), classes="form-label", id=f"dl-{denomination}"),
                    Input(id=f"count-{denomination}", placeholder="0", max_length=16),
                    classes="form-row",
                )
            yield Static("", id="counted")
            yield self.field("desk.note", "note", max_length=200)
            yield self.label("desk.closing_totalizers", classes="form-head")
            yield Static("", id="reading")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [Key("f5", "reread", "desk.key.reread"), Key("escape", "back", "key.back")]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#count-{DENOMINATIONS_FEN[0]}", Input).focus()
        self.update_counted()
        self.run_worker(self.read(), group="read")

    def refresh_body(self) -> None:
        for denomination in DENOMINATIONS_FEN:
            self.query_one(f"#dl-{denomination}", Static).update(denomination_label(denomination, self.lang))
        self.update_counted()

    def counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for denomination in DENOMINATIONS_FEN:
            field = self.query_one(f"#count-{denomination}", Input)
            try:
                out[denomination] = parse_count(field.value)
            except InputError:
                field.focus()
                raise
        return out

    def update_counted(self) -> None:
        try:
            total = sum(d * c for d, c in self.counts().items())
        except InputError:
            return
        self.query_one("#counted", Static).update(
            f"[b]{t('desk.counted_total', self.lang, amount=format_yuan(total))}[/b]"
        )

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if (event.input.id or "").startswith("count-"):
            self.update_counted()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        if self.next_input(event.input):
            await self.preview()

    async def preview(self) -> None:
        try:
            counts = self.counts()
            totalizers = self.form.values()
            if not self.form.readings:
                raise CoreRefused("totalizer_missing", dispenser="", nozzle="")
            rec = await self.desk.preview_close(totalizers, counts)
        except Exception as exc:
            self.refuse(exc)
            return
        self.note = self.query_one("#note", Input).value.strip()
        self.show("")

        async def decided(confirmed: bool | None) -> None:
            if confirmed:
                await self.close(totalizers, counts)

        self.app.push_screen(
            ReconciliationScreen(rec, manager=self.manager, preview=True, note=self.note, export_dir=self.export_dir),
            decided,
        )

    async def close(self, totalizers: dict[tuple[int, int], tuple[int, int, bool]], counts: dict[int, int]) -> None:
        assert self.manager is not None
        try:
            rec = await self.desk.close_shift(self.manager, totalizers, counts, self.note)
        except Exception as exc:
            self.refuse(exc)
            if isinstance(exc, CoreRefused) and exc.code == "variance_needs_note":
                self.query_one("#note", Input).focus()
            return
        self.app.notify(t("desk.closed", self.lang, shift=rec.shift_id))
        self.app.switch_screen(ReconciliationScreen(rec, manager=self.manager, export_dir=self.export_dir))


# ---------------------------------------------------------------------------------------------- reconciliation


def reconciliation_lines(rec: Reconciliation, lang: Language, unit: str = "kg") -> list[str]:
    """The reconciliation of SPEC §6 as screen lines (markup), every figure labelled, fits 78 columns."""

    def head(key: str, **params: Any) -> str:
        return f"\n[b reverse] {t(key, lang, **params)} [/]"

    def pair(key: str, value: str, sign: str = " ", **params: Any) -> str:
        return f"{sign} {pad(t(key, lang, **params), 30)}{value:>12}"

    out: list[str] = []
    state = t("desk.rec.closed" if rec.status == "closed" else "desk.rec.open", lang)
    signed = (
        f"{mark(True)} {t('desk.rec.signed', lang, by=rec.signed_off_by, at=local(rec.signed_off_at))}"
        if rec.signed_off_at
        else (f"{mark(False, warn=True)} {t('desk.rec.unsigned', lang)}" if rec.status == "closed" else "")
    )
    out.append(f"[b]{t('desk.rec.heading', lang, shift=rec.shift_id)}[/b]  {state}  {signed}".rstrip())
    opened = local(rec.opened_at)
    if rec.closed_at:
        closed = local(rec.closed_at)
        if closed[:10] == opened[:10]:
            closed = closed[11:]
        out.append(
            t("desk.rec.period", lang, opened=opened, by=esc(rec.opened_by), closed=closed, closer=esc(rec.closed_by))
        )
    else:
        out.append(t("desk.rec.opened", lang, at=opened, by=esc(rec.opened_by)))
    out.append(
        t(
            "desk.rec.attendants",
            lang,
            names=esc("、".join(rec.attendants) if lang == "zh" else ", ".join(rec.attendants)),
        )
    )
    out.append(
        t(
            "desk.rec.totals",
            lang,
            fills=rec.fill_count,
            qty=qty(rec.quantity_centi),
            unit=unit,
            sales=yuan(rec.sales_fen),
        )
    )
    if rec.problems:
        strong = [
            p for p in rec.problems if p in ("totalizer_variance", "cash_over", "cash_short", "card_debit_mismatch")
        ]
        symbol = mark(False) if strong else mark(False, warn=True)
        out.append(f"{symbol} [b]{t('desk.rec.problems', lang, problems=problem_names(rec.problems, lang))}[/b]")
    else:
        out.append(f"{mark(True)} {t('desk.rec.no_problems', lang)}")
    if rec.note:
        out.append(t("desk.rec.note", lang, note=esc(rec.note)))
    if rec.opening_note:
        out.append(t("desk.rec.opening_note", lang, note=esc(rec.opening_note)))

    # ---- between shifts (交班间隙): what this shift adopted, shown only when there was something
    gap = rec.between_shifts
    gaps = [n for n in rec.nozzles if n.gap_from_previous_centi]
    if (gap is not None and (gap.fills or gap.cash_fen)) or gaps:
        out.append(head("desk.rec.between"))
        if gap is not None:
            out.append(pair("desk.rec.between_fills", qty(gap.quantity_centi), count=len(gap.fills)))
            out.append(pair("desk.rec.between_cash", yuan(gap.cash_fen)))
            for f in gap.fills:
                out.append(
                    "  "
                    + t(
                        "desk.rec.between_line",
                        lang,
                        id=f.fill_id,
                        nozzle=f"{f.dispenser}/{f.nozzle}",
                        qty=qty(f.quantity_centi),
                        amount=yuan(f.amount_fen),
                        at=local(f.ended_at),
                    )
                )
        for n in gaps:
            unexplained = n.unexplained_gap_centi or 0
            out.append(
                "  "
                + t(
                    "desk.rec.gap_line",
                    lang,
                    nozzle=f"{n.dispenser}/{n.nozzle}",
                    gap=qty(n.gap_from_previous_centi),
                    unexplained=qty(unexplained),
                )
                + f" {mark(abs(unexplained) <= n.tolerance_centi)}"
            )

    # ---- nozzles
    out.append(head("desk.rec.nozzles", tol=qty(rec.tolerance_centi), unit=unit))
    widths = (5, 11, 11, 9, 6, 10, 9, 9)
    cols = [
        "desk.col.nozzle",
        "desk.col.open",
        "desk.col.close",
        "desk.col.delta",
        "desk.col.fills",
        "desk.col.recorded",
        "desk.col.variance",
        "desk.col.amount_var",
    ]
    header = [pad(t(c, lang), w, right=i > 0) for i, (c, w) in enumerate(zip(cols, widths, strict=True))]
    header[1] += " "  # over the typed marks
    header[2] += " "
    out.append("[b]" + "".join(header) + "[/b]")

    def variance(value: int | None) -> str:
        return "—" if value is None else ("+" if value > 0 else "") + format_centi(value)

    for n in rec.nozzles:
        cells = [
            f"{n.dispenser}/{n.nozzle}",
            qty(n.opening_quantity_centi),
            qty(n.closing_quantity_centi),
            qty(n.delta_quantity_centi),
            str(n.fill_count),
            qty(n.fills_quantity_centi),
            variance(n.variance_quantity_centi),
            signed_yuan(n.variance_amount_fen),
        ]
        padded = [pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        padded[1] += "*" if n.opening_typed else " "
        padded[2] += "*" if n.closing_typed else " "
        out.append(f"{''.join(padded)} {mark(not n.flagged)}")
    if any(n.opening_typed or n.closing_typed for n in rec.nozzles):
        out.append(f"  * {t('desk.rec.typed', lang)}")

    # ---- cash
    c = rec.cash
    out.append(head("desk.rec.cash"))
    if rec.carried_cash_fen is not None:
        out.append(pair("desk.rec.carried", yuan(rec.carried_cash_fen)))
    out.append(pair("desk.rec.float", yuan(c.opening_float_fen)))
    if rec.float_variance_fen:
        out.append(
            f"{pair('desk.rec.float_variance', signed_yuan(rec.float_variance_fen), '±')} {mark(False, warn=True)}"
        )
    out.append(pair("desk.rec.cash_sales", yuan(c.cash_sales_fen), "+", count=c.cash_sale_count))
    out.append(pair("desk.rec.cash_recharges", yuan(c.recharges_fen), "+", count=c.recharge_count))
    out.append(pair("desk.rec.fees", yuan(c.fees_fen), "+"))
    out.append(pair("desk.rec.refunds", yuan(c.refunds_fen), "−"))
    out.append(pair("desk.rec.drops", yuan(c.drops_fen), "−", count=len(c.drops)))
    if c.other_fen:
        out.append(pair("desk.rec.other", signed_yuan(c.other_fen), "±"))
    out.append("[b]" + pair("desk.rec.expected", yuan(c.expected_fen), "=") + "[/b]")
    out.append(pair("desk.rec.counted", yuan(c.counted_fen)))
    if c.over_short_fen is None:
        out.append(pair("desk.rec.over_short", "—"))
    else:
        key = (
            "desk.rec.over"
            if c.over_short_fen > 0
            else "desk.rec.short"
            if c.over_short_fen < 0
            else "desk.rec.balanced"
        )
        balance = f"{mark(c.over_short_fen == 0)} {t(key, lang)}"
        out.append(f"[b]{pair('desk.rec.over_short', signed_yuan(c.over_short_fen))}[/b] {balance}")
    pieces = [f"{denomination_label(d, lang)}×{n}" for d, n in c.count if n]
    if pieces:
        out.append("  " + t("desk.rec.count", lang) + " " + "  ".join(pieces))
    for drop in c.drops:
        out.append(
            "  "
            + t("desk.rec.drop_line", lang, at=local(drop.at), amount=yuan(drop.amount_fen), by=esc(drop.attendant))
        )

    # ---- cards
    k = rec.cards
    out.append(head("desk.rec.cards"))
    out.append(pair("desk.rec.card_fills", yuan(k.card_fills_fen), count=k.card_fill_count))
    out.append(pair("desk.rec.card_debits", yuan(k.card_debits_fen)))
    out.append(
        f"{pair('desk.rec.debit_variance', signed_yuan(k.debit_variance_fen))} {mark(k.debit_variance_fen == 0)}"
    )
    out.append(pair("desk.rec.internal", yuan(k.internal_fills_fen), count=k.internal_fill_count))
    out.append(pair("desk.rec.recharges", yuan(k.recharges_fen), count=k.recharge_count))
    out.append(
        f"{pair('desk.rec.holds', yuan(k.open_holds_fen), count=len(k.open_holds))} {mark(not k.open_holds, warn=True)}"
    )
    for h in k.open_holds:
        out.append(
            "  "
            + t(
                "desk.rec.hold_line",
                lang,
                id=h.hold_id,
                card=h.card_number,
                amount=yuan(h.amount_fen),
                d=h.dispenser,
                n=h.nozzle,
            )
        )

    # ---- timers
    out.append(head("desk.rec.timers", flow=rec.flow_limit_ms // 1000, commit=rec.commit_limit_ms // 1000))
    tw = (20, 6, 12, 12, 12, 12)
    tcols = [
        "desk.col.attendant",
        "desk.col.fills",
        "desk.col.flow_over",
        "desk.col.flow_avg",
        "desk.col.commit_over",
        "desk.col.commit_avg",
    ]
    out.append(
        "[b]"
        + "".join(pad(t(col, lang), w, right=i > 0) for i, (col, w) in enumerate(zip(tcols, tw, strict=True)))
        + "[/b]"
    )
    if not rec.timers:
        out.append("  " + t("desk.rec.none", lang))
    for tm in rec.timers:
        cells = [
            tm.attendant[:18],
            str(tm.fill_count),
            f"{tm.flow_over}/{tm.flow_timed} {permille(tm.flow_over_permille)}",
            seconds(tm.flow_average_ms) or "—",
            f"{tm.commit_over}/{tm.commit_timed} {permille(tm.commit_over_permille)}",
            seconds(tm.commit_average_ms) or "—",
        ]
        out.append(esc("".join(pad(cell, w, right=i > 0) for i, (cell, w) in enumerate(zip(cells, tw, strict=True)))))

    # ---- unpaid, voids, overrides, price changes
    out.append(head("desk.rec.unpaid", count=len(rec.unpaid_fills), amount=yuan(rec.unpaid_fen)))
    for f in rec.unpaid_fills:
        out.append(
            "  "
            + t(
                "desk.rec.fill_line",
                lang,
                id=f.fill_id,
                d=f.dispenser,
                n=f.nozzle,
                qty=qty(f.quantity_centi),
                amount=yuan(f.amount_fen),
                at=local(f.ended_at),
            )
        )
    if rec.cleared_fills:
        out.append(t("desk.rec.cleared", lang, count=len(rec.cleared_fills)))
        for f in rec.cleared_fills:
            out.append(
                "  "
                + t(
                    "desk.rec.cleared_line",
                    lang,
                    id=f.fill_id,
                    amount=yuan(f.amount_fen),
                    by=esc(f.cleared_by),
                    reason=esc(f.reason),
                )
            )
    out.append(
        head(
            "desk.rec.events", voids=len(rec.reversals), overrides=len(rec.overrides), adjustments=len(rec.adjustments)
        )
    )
    for e in (*rec.reversals, *rec.overrides, *rec.adjustments):
        out.append(
            "  "
            + esc(
                f"{local(e.at)} {e.actor} {e.summary} {'' if e.amount_fen is None else yuan(e.amount_fen)} {e.reason}"
            )
        )
    out.append(head("desk.rec.prices", count=len(rec.price_changes)))
    for p in rec.prices_at_open:
        out.append(
            "  "
            + t("desk.rec.price_at_open", lang, product=p.product_code, level=p.level, price=yuan(p.unit_price_fen))
        )
    for pc in rec.price_changes:
        out.append(
            "  "
            + t(
                "desk.rec.price_change",
                lang,
                product=pc.product_code,
                level=pc.level,
                old=yuan(pc.old_fen),
                new=yuan(pc.new_fen),
                at=local(pc.effective_from),
                by=esc(pc.set_by),
                reason=esc(pc.reason),
            )
        )
    out.append("")
    out.append(t("desk.rec.audit_head", lang, head=rec.audit_head[:32]))
    return out


class ReconciliationScreen(DeskScreen):
    """The reconciliation, scrollable. P prints, E exports CSV, S signs off; in preview, Enter closes."""

    TITLE_KEY = "desk.rec.title"
    DEFAULT_CSS = (
        DESK_CSS
        + """
    #rec-scroll { height: 1fr; padding: 0 1; }
    """
    )

    def __init__(
        self,
        rec: Reconciliation,
        *,
        manager: Actor | None = None,
        preview: bool = False,
        note: str = "",
        export_dir: Path | None = None,
    ) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.rec = rec
        self.preview = preview
        self.note = note
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        if self.preview:
            yield Static("", id="preview-banner", classes="desk-message")
        with VerticalScroll(id="rec-scroll"):
            yield Static("", id="rec")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        if self.preview:
            return [Key("enter", "confirm", "desk.key.confirm_close"), Key("escape", "back", "desk.key.edit")]
        return [
            Key("p", "print", "desk.key.print"),
            Key("e", "export", "desk.key.export"),
            Key("s", "sign_off", "desk.key.sign_off"),
            Key("escape", "back", "key.back"),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#rec-scroll", VerticalScroll).focus()

    def refresh_body(self) -> None:
        lang = self.lang
        unit = app_of(self).core.settings.station.sale_unit
        self.query_one("#rec", Static).update("\n".join(reconciliation_lines(self.rec, lang, unit)))
        if self.preview:
            if self.rec.needs_note and not self.note:
                text = f"[b red]✗ {t('desk.needs_note', lang, problems=problem_names(self.rec.problems, lang))}[/]"
            else:
                text = f"[b dark_orange]! {t('desk.preview', lang)}[/]"
            self.query_one("#preview-banner", Static).update(text)

    def action_back(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    @property
    def report(self) -> Report:
        return self.desk.report_of(self.rec)

    async def action_print(self) -> None:
        await print_report(self, self.report)

    async def action_export(self) -> None:
        self.exported = await export_report(self, self.report)

    def action_sign_off(self) -> None:
        async def go(manager: Actor) -> None:
            try:
                self.rec = await self.desk.sign_off(manager, self.rec.shift_id)
            except Exception as exc:
                self.refuse(exc)
                return
            self.refresh_body()
            self.show(t("desk.signed_off", self.lang, shift=self.rec.shift_id), "information")

        self.with_manager("desk.why.sign_off", go)


async def print_report(screen: DeskScreen, report: Report) -> None:
    try:
        outcome = await screen.desk.print_report(report)
    except Exception as exc:  # the printer is never worth a traceback on screen
        screen.show(t("desk.print_failed", screen.lang, error=type(exc).__name__), "warning")
        return
    if outcome is None:
        screen.show(t("desk.no_printer", screen.lang), "warning")
    elif outcome.printed:
        screen.show(t("desk.printed", screen.lang), "information")
    else:
        screen.show(t("desk.print_queued", screen.lang, error=outcome.error or ""), "warning")


async def export_report(screen: DeskScreen, report: Report) -> Path | None:
    directory = screen.export_dir or Path("reports")
    try:
        path = await screen.desk.export_csv(report, directory)
    except Exception as exc:
        screen.refuse(exc)
        return None
    screen.show(t("desk.exported", screen.lang, path=str(path)), "information")
    return path


# ---------------------------------------------------------------------------------------------- prices


class PriceScreen(DeskScreen):
    """Product, level, new price, reason, effective now or at a typed time; the read-back per dispenser."""

    TITLE_KEY = "desk.price.title"

    def __init__(self, manager: Actor, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.result: PriceChange | None = None

    def compose(self) -> ComposeResult:
        core = app_of(self).core
        with_product = core.settings.products[0].code
        yield from self.compose_title()
        with VerticalScroll(classes="desk-body"):
            yield Static("", id="current", classes="form-gap")
            yield self.field("desk.product", "product", value=with_product, max_length=16)
            yield self.field("desk.level", "level", value="0", max_length=3, restrict=r"[0-9]*")
            yield self.field("desk.new_price", "price", placeholder="4.80", max_length=8)
            yield self.field("desk.reason", "reason", max_length=200)
            yield self.field("desk.effective", "effective", placeholder="YYYY-MM-DD HH:MM", max_length=16)
            yield Static("", id="push")
        yield from self.compose_tail()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#price", Input).focus()
        self.run_worker(self.load(), group="prices")

    async def load(self) -> None:
        lang = self.lang
        try:
            prices = await self.desk.prices()
        except Exception as exc:
            self.refuse(exc)
            return
        lines = [f"[b]{t('desk.current_prices', lang)}[/b]"]
        lines += [t("desk.price_line", lang, product=p, level=lv, price=yuan(fen)) for p, lv, fen in prices]
        self.query_one("#current", Static).update("\n".join(lines))

    def refresh_body(self) -> None:
        if self.is_mounted:
            self.run_worker(self.load(), group="prices")
        self.render_result()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        if self.next_input(event.input):
            await self.submit()

    async def submit(self) -> None:
        assert self.manager is not None
        product = self.query_one("#product", Input).value.strip()
        reason = self.query_one("#reason", Input).value
        try:
            level_text = self.query_one("#level", Input).value.strip()
            if not level_text.isdigit():
                raise InputError("input_not_number")
            fen = parse_amount(self.query_one("#price", Input).value)
            when = parse_when(self.query_one("#effective", Input).value)
            if not reason.strip():
                self.query_one("#reason", Input).focus()
                raise InputError("reason_required")
            self.show(f"… {t('desk.pushing', self.lang)}", "warning")
            self.result = await self.desk.set_price(self.manager, product, int(level_text), fen, reason, when)
        except Exception as exc:
            self.refuse(exc)
            return
        self.render_result()
        self.run_worker(self.load(), group="prices")
        if self.result.unconfirmed:
            self.show(t("desk.price_unconfirmed", self.lang, dispensers=", ".join(map(str, self.result.unconfirmed))))
        else:
            self.show(t("desk.price_saved", self.lang), "information")

    def render_result(self) -> None:
        lang = self.lang
        r = self.result
        if r is None or not self.is_mounted:
            return
        lines = [
            t(
                "desk.price_recorded",
                lang,
                product=r.product,
                level=r.level,
                price=yuan(r.unit_price_fen),
                at=local(r.effective_from),
            )
        ]
        if r.scheduled:
            lines.append(f"{mark(False, warn=True)} {t('desk.price_scheduled', lang)}")
        elif not r.pushed_now:
            lines.append(t("desk.price_not_pushed", lang))
        for push in r.dispensers:
            lines.append(push_line(push, lang))
        self.query_one("#push", Static).update("\n".join(lines))


def push_line(push: DispenserPush, lang: Language) -> str:
    back = ", ".join(f"{n}:{yuan(fen)}" for n, fen in sorted(push.read_back.items())) or "—"
    if push.confirmed:
        return f"{mark(True)} {t('desk.push_ok', lang, d=push.dispenser, prices=back)}"
    reason = t(f"err.{push.error}", lang, detail="") if push.error else t("desk.push_mismatch", lang, prices=back)
    return f"{mark(False)} {t('desk.push_failed', lang, d=push.dispenser, reason=reason)}"


# ---------------------------------------------------------------------------------------------- reports


class ReportsScreen(DeskScreen):
    """1 shift, 2 day, 3 attendants, 4 unpaid, 5 overrides; P print, E export, K close the day."""

    TITLE_KEY = "desk.reports.title"
    DEFAULT_CSS = (
        DESK_CSS
        + """
    #report-scroll { height: 1fr; padding: 0 1; }
    """
    )

    def __init__(self, manager: Actor, *, export_dir: Path | None = None) -> None:
        super().__init__(manager, export_dir=export_dir)
        self.kind = "shift"
        self.report: Report | None = None
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield Static("", id="report-keys", classes="desk-message")  # 1–5 here: the footer has no room for them
        with VerticalScroll(id="report-scroll"):
            yield Static("", id="report")
        yield from self.compose_tail()

    def keys(self) -> list[Key]:
        return [
            *[Key(str(i), f"show({i})", f"desk.report.{k}", show=False) for i, k in enumerate(REPORT_KINDS, start=1)],
            Key("p", "print", "desk.key.print"),
            Key("e", "export", "desk.key.export"),
            Key("k", "day_close", "desk.key.day_close"),
            Key("escape", "back", "key.back"),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#report-scroll", VerticalScroll).focus()
        self.run_worker(self.load(), group="report", exclusive=True)

    async def load(self) -> None:
        try:
            self.report = await self.desk.report(self.kind)
        except Exception as exc:
            self.report = None
            self.query_one("#report", Static).update("")
            self.refuse(exc)
            return
        self.refresh_body()

    def refresh_body(self) -> None:
        lang = self.lang
        kinds = [f"[b]{i}[/b] {t(f'desk.report.{k}', lang)}" for i, k in enumerate(REPORT_KINDS, start=1)]
        self.query_one("#report-keys", Static).update(" · ".join(kinds))
        if self.report is None:
            return
        lines = report_lines(self.report, lang, self.query_one("#report", Static).content_size.width or 76)
        self.query_one("#report", Static).update(esc("\n".join(lines)))

    def action_show(self, index: int) -> None:
        self.kind = REPORT_KINDS[index - 1]
        self.show("")
        self.run_worker(self.load(), group="report", exclusive=True)

    async def action_print(self) -> None:
        if self.report is not None:
            await print_report(self, self.report)

    async def action_export(self) -> None:
        if self.report is not None:
            self.exported = await export_report(self, self.report)

    def action_day_close(self) -> None:
        """Closing the day cannot be undone: ask first (Enter confirms, Esc goes back), then the manager."""
        day = app_of(self).core.ledger.now().astimezone(STATION_TZ).date()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.with_manager("desk.why.day_close", go)

        async def go(manager: Actor) -> None:
            try:
                day = await self.desk.day_close(manager)
            except Exception as exc:
                self.refuse(exc)
                return
            self.show(t("desk.day_closed", self.lang, date=day.business_date.isoformat()), "information")
            self.kind = "day"
            await self.load()

        self.app.push_screen(DayCloseConfirmScreen(day), confirmed)
