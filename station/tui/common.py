"""Pieces every screen shares: translated key bindings, input parsing, messages, and what a screen may ask of the
app (`StationHost`, met by `station.tui.app.StationApp`; screens never import the app itself)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen

from station.core import entry
from station.core.entry import EntryRefused
from station.core.lanes import CoreRefused
from station.i18n import CATALOGUE, Language, error_text, t

if TYPE_CHECKING:  # the first frame paints before the core (and the ledger under it) is imported
    from station.core.station import StationCore

T = TypeVar("T")


@dataclass(frozen=True)
class Key:
    """A key binding whose footer label comes from the catalogue."""

    key: str
    action: str
    label: str  # catalogue key
    show: bool = True
    priority: bool = False


def apply_bindings(node: DOMNode, keys: list[Key], lang: Language) -> None:
    # Textual builds bindings from class attributes; the label must follow the language switch at runtime.
    bindings = [Binding(k.key, k.action, t(k.label, lang), show=k.show, priority=k.priority) for k in keys]
    if isinstance(node, Screen):
        # Replacing a screen's bindings drops Textual's own Tab/Shift+Tab: keep moving between fields.
        bindings += [
            Binding("tab", "app.focus_next", show=False),
            Binding("shift+tab", "app.focus_previous", show=False),
        ]
    node._bindings = BindingsMap(bindings)


def modal_keys(lang: Language, confirm: str | None = "key.confirm", *, pick: int = 0) -> str:
    """The keys of a modal, shown inside its box: ⏎ with what it does (or digits to pick), and Esc back."""
    if pick:
        text = t("modal.keys_pick", lang, first=1, last=pick)
    elif confirm is None:
        text = t("modal.keys_back", lang)
    else:
        text = t("modal.keys", lang, confirm=t(confirm, lang))
    return f"[b]{escape(text)}[/b]"


def esc(text: str) -> str:
    """User and database text shown inside markup: never interpreted as markup."""
    return escape(text)


class InputError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def read_entry(parse: Callable[..., T], text: str, *args: Any, **kwargs: Any) -> T:
    """Run one of station.core.entry's parsers; its refusal becomes the screen's input refusal."""
    try:
        return parse(text, *args, **kwargs)
    except EntryRefused as exc:
        raise InputError(exc.code, **exc.params) from None


def parse_money_input(text: str, field: str = "amount", *, allow_zero: bool = False) -> int:
    """Yuan typed by a person → fen, with a specific refusal for each way it can be wrong."""
    return read_entry(entry.money, text, field, allow_zero=allow_zero)


def parse_quantity_input(text: str) -> int:
    return read_entry(entry.quantity, text)


def parse_pressure_input(text: str) -> int:
    return read_entry(entry.pressure, text)


def refusal_text(exc: Exception, lang: Language) -> str:
    if isinstance(exc, CoreRefused | InputError):
        params = dict(exc.params)
        field = params.get("field")
        if isinstance(field, str) and f"field.{field}" in CATALOGUE:
            params["field"] = t(f"field.{field}", lang)
        for money_key in ("balance_fen", "due_fen", "limit_fen", "left_fen"):
            if money_key in params:
                from station.money import format_yuan

                params[money_key.removesuffix("_fen")] = format_yuan(int(params[money_key]))
        for pressure_key in ("pressure", "minimum", "limit"):
            if pressure_key in params and isinstance(params[pressure_key], int):
                from station.money import format_centi

                params[pressure_key] = format_centi(params[pressure_key])
        text = error_text(exc.code, lang, **params)
        label = params.get("field")
        if isinstance(label, str) and label and label not in text:
            text = f"{label}:{text}" if lang == "zh" else f"{label}: {text}"  # the field is always named
        return text
    return t("err.unexpected", lang, detail=type(exc).__name__)


@runtime_checkable
class StationHost(Protocol):
    """What a screen, modal or widget needs of the app it runs in: the core, the language, the demo's simulator,
    moving between login, forecourt and a sequence, and Textual's screen stack and toasts. ``core`` is there
    once ``core_ready`` is true: the login screen is shown (and typed into) while the station still opens."""

    core: StationCore
    core_ready: bool
    station_name: str
    language: Language
    sim: Any | None
    # Catalogue keys: the login box's title and hint, and the card counter's hint where no card reader can be used
    # (None: the counter's usual words). The desk served to a browser has its own (station.tui.desk_app).
    login_title: str
    login_hint: str
    reader_note: str | None

    def logged_in(self) -> None: ...

    def logout(self) -> None: ...

    def open_sequence(self, key: tuple[int, int]) -> None: ...

    def push_screen(self, *args: Any, **kwargs: Any) -> Any: ...

    def pop_screen(self, *args: Any, **kwargs: Any) -> Any: ...

    def switch_screen(self, *args: Any, **kwargs: Any) -> Any: ...

    def notify(self, *args: Any, **kwargs: Any) -> Any: ...


def app_of(node: DOMNode) -> StationHost:
    # Not isinstance(StationHost): that looks for every member, and ``core`` is not yet set while the station
    # opens behind the login screen. mypy checks that StationApp meets the protocol where it is built.
    return cast(StationHost, node.app)
