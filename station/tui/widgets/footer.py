"""The footer every screen shows: every key that works, laid out to fit 80 columns.

- While an Input has the focus, a letter or digit typed goes into the field, so its binding cannot fire: the
  footer leaves those out and shows ⏎ (the field's Enter), Tab (next field, when there is one) and the
  screen's F-keys and Esc.
- Keys are written as the README and the hints write them: F3, Esc, S.
- When the keys do not fit on one line they go on a second line, laid out whole key by whole key (a key is
  never cut at the screen's edge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from station.i18n import t

# Keys an Input takes for itself: their screen bindings never fire while typing.
TYPED_KEYS = frozenset({"left", "right", "home", "end", "backspace", "delete", "space", "enter"})
MAX_ROWS = 2


def typed_into_field(binding: Binding) -> bool:
    key = binding.key
    return len(key) == 1 or key in TYPED_KEYS or (key.startswith("shift+") and len(key) == 7)


def key_label(key: str, shown: str) -> str:
    """f3 → F3, esc → Esc, s → S; anything else as Textual shows it (⏎, ←)."""
    if re.fullmatch(r"f\d{1,2}", key):
        return key.upper()
    if key == "escape":
        return "Esc"
    if len(key) == 1:
        return key.upper()
    return shown


@dataclass(frozen=True)
class Shown:
    key: str
    display: str
    description: str
    action: str
    enabled: bool = True
    tooltip: str = ""

    @property
    def width(self) -> int:
        # compact FooterKey: "KEY description" and one cell of margin
        return cell_len(self.display) + 1 + cell_len(self.description) + 1


def rows_of(keys: list[Shown], width: int) -> list[list[Shown]]:
    """Whole keys per line, in order, a new line when the next would pass the edge."""
    rows: list[list[Shown]] = [[]]
    used = 0
    for key in keys:
        if rows[-1] and used + key.width > width:
            if len(rows) == MAX_ROWS:
                break  # the rest cannot be shown; screens list the way back first
            rows.append([])
            used = 0
        rows[-1].append(key)
        used += key.width
    return rows


class StationFooter(Footer):
    DEFAULT_CSS = """
    StationFooter { layout: vertical; height: auto; max-height: 2; }
    StationFooter HorizontalGroup { height: 1; width: 100%; }
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)

    def shown_keys(self) -> list[Shown]:
        from station.tui.common import app_of

        lang = app_of(self).language
        focused = self.screen.focused
        typing = isinstance(focused, Input)
        out: list[Shown] = []
        if typing:
            out.append(Shown("enter", "⏎", t("key.confirm", lang), "submit"))
            fields = [w for w in self.screen.query(Input) if w.display and not w.disabled]
            if len(fields) > 1:
                out.append(Shown("tab", "Tab", t("footer.tab", lang), "app.focus_next"))
        seen: set[str] = set()
        for _namespace, binding, enabled, tooltip in self.screen.active_bindings.values():
            # A letter the focused field leaves alone (the cash field's M) still works while typing: shown.
            taken = typing and typed_into_field(binding)
            if taken and len(binding.key) == 1 and focused is not None:
                taken = focused.check_consume_key(binding.key, binding.key)
            if not binding.show or binding.action in seen or taken:
                continue
            seen.add(binding.action)
            display = key_label(binding.key, self.app.get_key_display(binding))
            out.append(Shown(binding.key, display, binding.description, binding.action, enabled, tooltip or ""))
        return out

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.app.size.width or 80
        for row in rows_of(self.shown_keys(), width):
            with HorizontalGroup():
                for key in row:
                    yield FooterKey(
                        key.key, key.display, key.description, key.action, disabled=not key.enabled, tooltip=key.tooltip
                    ).data_bind(compact=Footer.compact)
