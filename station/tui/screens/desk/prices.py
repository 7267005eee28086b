"""Price changes (调价): product, level, new price, reason, when; the read-back from each dispenser."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from station.core.desk import DispenserPush, PriceChange
from station.core.views import Actor
from station.i18n import Language, t
from station.tui.common import InputError, app_of
from station.tui.screens.desk.base import DeskScreen, local, mark, parse_amount, parse_when, yuan


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
            fen = parse_amount(self.query_one("#price", Input).value, "price")
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
