"""Opening and closing a shift (开班, 交班): totalizers read from the dispensers or typed, the drawer counted by
denomination on closing, then the reconciliation."""

from __future__ import annotations

import re
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from station.core.desk import ManagerDesk, NozzleReading
from station.core.station import CoreRefused
from station.core.views import DENOMINATIONS_FEN, Actor
from station.i18n import t
from station.money import format_yuan
from station.tui.common import InputError, Key, app_of, esc, refusal_text
from station.tui.screens.desk.base import (
    DeskScreen,
    denomination_label,
    mark,
    parse_amount,
    parse_count,
    parse_totalizer_amount,
    parse_totalizer_quantity,
    qty,
    yuan,
)
from station.tui.screens.desk.reconciliation import ReconciliationScreen


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
                float_fen = parse_amount(self.query_one("#float", Input).value, "float", allow_zero=True)
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
        """The running total as the drawer is counted; a count that is not a whole number says so at once."""
        total = 0
        for denomination in DENOMINATIONS_FEN:
            try:
                total += denomination * parse_count(self.query_one(f"#count-{denomination}", Input).value)
            except InputError as exc:
                label = denomination_label(denomination, self.lang)
                self.query_one("#counted", Static).update(
                    f"[b red]✗ {esc(label)}: {esc(refusal_text(exc, self.lang))}[/]"
                )
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
        if (event.input.id or "").startswith("count-"):
            try:
                parse_count(event.input.value)
            except InputError as exc:  # stay on the field that is wrong: ⏎ does not walk past it
                self.refuse(exc)
                return
            self.show("")
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
