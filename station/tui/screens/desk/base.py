"""The desk's shared pieces: its CSS, figure formatting and typed-field parsing, the screen every desk screen
is (title, body, message line, a manager asked for when needed), and printing or exporting a report."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static

from station.config import STATION_TZ
from station.core import entry
from station.core.desk import ManagerDesk
from station.core.station import CoreRefused
from station.core.views import Actor, DrawerStatus
from station.i18n import Language, t
from station.money import MoneyFormatError, format_centi, format_yuan, parse_decimal_units, parse_yuan
from station.printouts.report import Report
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, read_entry, refusal_text
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.widgets.footer import StationFooter

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


def parse_amount(text: str, field: str, *, allow_zero: bool = False) -> int:
    """Yuan typed at the desk → fen, refused as the forecourt refuses it (named field, the exact fault)."""
    return read_entry(entry.money, text, field, allow_zero=allow_zero)


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
