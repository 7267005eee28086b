"""Pieces every screen shares: translated key bindings, input parsing, messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen

from station.core.station import CoreRefused
from station.i18n import Language, error_text, t
from station.money import MoneyFormatError, parse_decimal_units, parse_yuan

# No single sale, tender or recharge at a forecourt kiosk reaches 100,000 yuan.
MAX_TYPED_FEN = 10_000_000

if TYPE_CHECKING:
    from station.tui.app import StationApp


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


def esc(text: str) -> str:
    """User and database text shown inside markup: never interpreted as markup."""
    return escape(text)


class InputError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def parse_money_input(text: str) -> int:
    """Yuan typed by a person → fen, with a specific refusal for each way it can be wrong."""
    text = text.strip()
    if not text:
        raise InputError("input_empty")
    if len(text) > 12:
        raise InputError("input_too_long")
    if text.startswith("-"):
        raise InputError("amount_not_positive")
    whole, _, decimals = text.partition(".")
    if not whole.isdigit() or (decimals and not decimals.isdigit()) or text.count(".") > 1:
        raise InputError("input_not_number")
    if len(decimals) > 2:
        raise InputError("too_many_decimals")
    fen = parse_yuan(text, allow_zero=True, maximum=10**12)
    if fen == 0:
        raise InputError("amount_not_positive")
    if fen > MAX_TYPED_FEN:
        raise InputError("amount_too_large")
    return fen


def parse_centi_input(text: str, maximum: int = 10**7) -> int:
    text = text.strip()
    if not text:
        raise InputError("input_empty")
    if len(text) > 12:
        raise InputError("input_too_long")
    try:
        value = parse_decimal_units(text, places=2, maximum=maximum)
    except MoneyFormatError:
        raise InputError("input_not_number") from None
    if value <= 0:
        raise InputError("amount_not_positive")
    return value


def refusal_text(exc: Exception, lang: Language) -> str:
    if isinstance(exc, CoreRefused | InputError):
        params = dict(exc.params)
        for money_key in ("balance_fen", "due_fen"):
            if money_key in params:
                from station.money import format_yuan

                params[money_key.removesuffix("_fen")] = format_yuan(int(params[money_key]))
        for pressure_key in ("pressure", "minimum", "limit"):
            if pressure_key in params and isinstance(params[pressure_key], int):
                from station.money import format_centi

                params[pressure_key] = format_centi(params[pressure_key])
        return error_text(exc.code, lang, **params)
    return t("err.unexpected", lang, detail=type(exc).__name__)


def app_of(node: DOMNode) -> StationApp:
    from station.tui.app import StationApp

    app = node.app
    assert isinstance(app, StationApp)
    return app
