"""The footer every screen shows: while a field has the focus, the keys that work while typing.

A letter or digit typed into a field goes into the field, so its binding cannot fire: while an Input has the
focus the footer leaves those out and shows ⏎ (the field's Enter), Tab (next field, when there is one) and the
screen's F-keys and Esc. Compact, so that more of them fit in 80 columns.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from station.i18n import t

# Keys an Input takes for itself: their screen bindings never fire while typing.
TYPED_KEYS = frozenset({"left", "right", "home", "end", "backspace", "delete", "space", "enter"})


def typed_into_field(binding: Binding) -> bool:
    key = binding.key
    return len(key) == 1 or key in TYPED_KEYS or (key.startswith("shift+") and len(key) == 7)


class StationFooter(Footer):
    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)

    def compose(self) -> ComposeResult:
        focused = self.screen.focused
        if not isinstance(focused, Input):
            yield from super().compose()
            return
        if not self._bindings_ready:
            return
        from station.tui.common import app_of

        lang = app_of(self).language
        yield FooterKey("enter", "⏎", t("key.confirm", lang), "submit").data_bind(compact=Footer.compact)
        fields = [w for w in self.screen.query(Input) if w.display and w.visible and not w.disabled]
        if len(fields) > 1:
            yield FooterKey("tab", "Tab", t("footer.tab", lang), "app.focus_next").data_bind(compact=Footer.compact)
        seen: set[str] = set()
        for _namespace, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or typed_into_field(binding) or binding.action in seen:
                continue
            seen.add(binding.action)
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
