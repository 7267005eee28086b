"""The demo's forecourt panel (F12): lift and hang nozzles, present sample cards, raise a leak; the customer
display shown as the driver sees it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from station.i18n import t
from station.tui.common import Key, app_of, apply_bindings

SAMPLE_CARD_UIDS = ["04A1B2C3", "04D4E5F6", "04112233", "04445566"]


class SimPanelScreen(ModalScreen[None]):
    """The demo's forecourt: lift and hang nozzles, present cards, raise a leak."""

    DEFAULT_CSS = """
    SimPanelScreen { align: center middle; }
    #box { width: 64; height: auto; border: double $accent; padding: 1 2; background: $panel; }
    """

    def __init__(self, lane: tuple[int, int]) -> None:
        super().__init__()
        self.lane = lane

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        d, n = self.lane
        cards = "\n".join(f"  {i}: {uid}" for i, uid in enumerate(SAMPLE_CARD_UIDS, start=1))
        pay = f"\n\n{t('sim.pay_help', lang)}" if self._pays() else ""
        with Vertical(id="box"):
            yield Static(
                f"[b]{t('sim.title', lang)}[/b] — {t('lane.name', lang, d=d, n=n)}\n\n{t('sim.help', lang)}"
                f"\n\n{cards}{pay}"
            )
            yield Static(id="display", markup=False)

    def _show_display(self) -> None:
        """The customer display as the driver sees it, live while the panel is open."""
        app = app_of(self)
        face = getattr(app.sim, "display_face", lambda _lang: None)(app.language)
        widget = self.query_one("#display", Static)
        widget.display = face is not None
        if face is not None:
            widget.update(f"\n{t('sim.display', app.language)} {face}")

    def on_mount(self) -> None:
        keys = [
            Key("l", "lift", "sim.title", show=False),
            Key("h", "hang", "sim.title", show=False),
            Key("k", "leak", "sim.title", show=False),
            Key("r", "remove", "sim.title", show=False),
            *[Key(str(i), f"card({i})", "sim.title", show=False) for i in range(1, 5)],
            Key("escape", "close", "key.back"),
        ]
        if self._pays():
            keys += [
                Key("w", "scan('wechat')", "sim.title", show=False),
                Key("a", "scan('alipay')", "sim.title", show=False),
                Key("p", "pay_fault('user_paying')", "sim.title", show=False),
                Key("d", "pay_fault('decline')", "sim.title", show=False),
            ]
        apply_bindings(self, keys, app_of(self).language)
        self._show_display()
        self.set_interval(0.3, self._show_display)

    def _sim(self) -> Any:
        return app_of(self).sim

    def _pays(self) -> bool:
        return getattr(self._sim(), "payment_sim", None) is not None

    def action_scan(self, provider: str) -> None:
        """The driver's phone under the serial scanner: the code goes down its line as bytes; at the settle
        step the screen takes it as the payment (no M needed)."""
        code = self._sim().payment_code(provider)
        self._done("sim.scanned", code=code)
        self._sim().scan(code)

    def action_pay_fault(self, kind: str) -> None:
        self._sim().payment_fault(kind, 8.0 if kind == "user_paying" else 0.0)
        self._done("sim.pay_fault", fault=kind)

    def _done(self, key: str, **params: Any) -> None:
        app = app_of(self)
        app.notify(t(key, app.language, **params))
        self.dismiss(None)

    def action_lift(self) -> None:
        try:
            self._sim().lift(*self.lane)
        except Exception as exc:
            self.app.notify(str(exc), severity="error")
            return
        self._done("sim.lifted", lane=f"{self.lane[0]}/{self.lane[1]}")

    def action_hang(self) -> None:
        self._sim().hang(*self.lane)
        self._done("sim.hung", lane=f"{self.lane[0]}/{self.lane[1]}")

    def action_leak(self) -> None:
        self._sim().leak(*self.lane)
        self._done("sim.leak", lane=f"{self.lane[0]}/{self.lane[1]}")

    def action_card(self, index: int) -> None:
        uid = SAMPLE_CARD_UIDS[index - 1]
        self._sim().present_card(uid)
        self._done("sim.card", uid=uid)

    def action_remove(self) -> None:
        self._sim().remove_card()
        self._done("sim.card_removed")

    def action_close(self) -> None:
        self.dismiss(None)
