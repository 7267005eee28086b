"""The unloading log screen (卸气记录): a trailer's visit step by step, the search list, print and CSV export.

One key per checklist step: Enter confirms the next step (▶), done steps show ✓ in green, pending ones ·.
When the configured unloading post is on the dispenser bus, the trailer readings and the quantity come from
it (start/stop and the post's record); otherwise the readings are typed and the quantity is computed.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from rich.cells import set_cell_size
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from station.core.station import CoreRefused
from station.devices.dispenser_bus import BusEvent, UnloadingProgress
from station.i18n import Language, error_text, t
from station.ledger.errors import LedgerError
from station.ledger.unloading.log import UnloadingLog
from station.ledger.unloading.values import (
    INTERRUPT_REASONS,
    Arrival,
    Readings,
    StockReport,
    UnloadingView,
    checklist_position,
)
from station.money import format_centi
from station.printouts.unloading import fmt_centi, fmt_temp, record_lines, unloading_report
from station.tui.app import ManagerAuthScreen
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, modal_keys, refusal_text
from station.tui.footer import StationFooter

T = TypeVar("T")

ARRIVAL_INPUTS = ("trailer_plate", "tractor_plate", "driver", "supplier", "note_number", "declared", "water_volume")
READING_INPUTS = ("trailer_p", "trailer_t", "storage_p", "storage_t")


# Chinese input methods type full-width digits, point and minus: they mean the ASCII ones.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－−", "0123456789.--")
_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")

# The catalogue label of every field a refusal can name (screen inputs and the log's own field names).
FIELD_LABELS = {
    "trailer_plate": "unload.trailer_plate",
    "tractor_plate": "unload.tractor_plate",
    "driver": "unload.driver",
    "driver_name": "unload.driver",
    "supplier": "unload.supplier",
    "note_number": "unload.note_number",
    "declared": "unload.declared",
    "water_volume": "unload.water_volume",
    "trailer_p": "unload.trailer_p",
    "trailer_t": "unload.trailer_t",
    "storage_p": "unload.storage_p",
    "storage_t": "unload.storage_t",
    "measured": "unload.measure_field",
    "note": "unload.note",
}


def parse_number(text: str, field: str, *, places: int, low: int, high: int) -> int:
    """Exactly a decimal with at most ``places`` decimals, within [low, high] (in 10**-places units).

    Full-width digits are read as digits; anything else that is not exactly such a number (a stray sign, an
    exponent, a second point, a superscript) is refused with the field named, never bent into a number.
    """
    cleaned = text.strip().translate(_FULL_WIDTH)
    if not cleaned:
        raise InputError("unload_field_required", field=field)
    example = "12" if places == 0 else "12." + "5" * places
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        raise InputError("unload_field_not_number", field=field, example=example)
    sign, whole, decimals = (part or "" for part in match.groups())
    if decimals and places == 0:
        raise InputError("unload_field_whole", field=field)
    if len(decimals) > places:
        raise InputError("unload_field_decimals", field=field, places=places)
    value: int = int(whole) * 10**places + int(decimals.ljust(places, "0") or "0")
    if sign:
        value = -value
    if value < 0 <= low:
        raise InputError("unload_field_negative", field=field)
    if not low <= value <= high:
        raise InputError("unload_field_range", field=field, low=_fixed(low, places), high=_fixed(high, places))
    return value


def _fixed(value: int, places: int) -> str:
    if places == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def parse_temperature(text: str, field: str = "trailer_t") -> int:
    """'15.0' or '-3.5' °C -> integer 0.1 °C."""
    return parse_number(text, field, places=1, low=-500, high=800)


def parse_pressure(text: str, field: str = "trailer_p") -> int:
    """'20.5' MPa gauge -> integer 0.01 MPa."""
    return parse_number(text, field, places=2, low=0, high=3500)


def write_csv(views: list[UnloadingView], path: Path, lang: Language) -> Path:
    """One row per unloading, the same columns as the printed record. UTF-8 with BOM for spreadsheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        if views:
            base = record_lines(views[0], lang)
            writer.writerow([label for label, _ in base[:20]])
        for view in views:
            writer.writerow([value for _, value in record_lines(view, lang)[:20]])
    return path


def stock_text(report: StockReport, day: dt.date, lang: Language) -> str:
    lines = [
        f"[b]{t('unload.stock_title', lang, day=day.isoformat())}[/b]",
        t(
            "unload.stock_line",
            lang,
            opening=format_centi(report.opening_centi),
            received=format_centi(report.received_centi),
            sold=format_centi(report.sold_centi),
            adjust=format_centi(report.adjustments_centi),
            book=format_centi(report.book_centi),
        ),
    ]
    if report.measured_centi is None:
        lines.append(t("unload.stock_unmeasured", lang))
    else:
        share = "-" if report.variance_share_bp is None else format_centi(report.variance_share_bp)
        text = t(
            "unload.stock_measured",
            lang,
            measured=format_centi(report.measured_centi),
            variance=format_centi(report.variance_centi or 0),
            share=share,
            tolerance=format_centi(report.tolerance_bp),
        )
        lines.append(f"[red]✗ {text} {t('unload.flagged', lang)}[/]" if report.flagged else f"[green]✓ {text}[/]")
    return "\n".join(lines)


class ReasonScreen(ModalScreen[str | None]):
    """Pick an interruption reason with a digit key."""

    DEFAULT_CSS = """
    ReasonScreen { align: center middle; }
    #box { width: 44; height: auto; border: double $error; padding: 1 2; background: $panel; }
    """

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        lines = [f"[b]{t('unload.reason.title', lang)}[/b]", ""]
        lines += [f" [b]{i}[/b]  {t('unload.reason.' + r, lang)}" for i, r in enumerate(INTERRUPT_REASONS, start=1)]
        lines += ["", modal_keys(lang, pick=len(INTERRUPT_REASONS))]
        with Vertical(id="box"):
            yield Static("\n".join(lines))

    def on_mount(self) -> None:
        keys = [Key(str(i), f"pick({i})", "unload.key.interrupt", show=False) for i in range(1, 5)]
        apply_bindings(self, [*keys, Key("escape", "cancel", "key.back")], app_of(self).language)

    def action_pick(self, i: int) -> None:
        self.dismiss(INTERRUPT_REASONS[i - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line typed in a box: Enter gives it back, Esc gives None."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    #box { width: 50; height: auto; border: double $accent; padding: 1 2; background: $panel; }
    """

    def __init__(self, title_key: str, field_key: str, max_length: int = 16) -> None:
        super().__init__()
        self.title_key, self.field_key, self.max_length = title_key, field_key, max_length

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        with Vertical(id="box"):
            yield Static(f"[b]{t(self.title_key, lang)}[/b]")
            # No character filter: a typed '-' must be seen and refused, not silently dropped.
            yield Input(placeholder=t(self.field_key, lang), max_length=self.max_length, id="qty")
            yield Static(modal_keys(lang))

    def on_mount(self) -> None:
        apply_bindings(self, [Key("escape", "cancel", "key.back")], app_of(self).language)
        self.query_one("#qty", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MeasuredStockScreen(PromptScreen):
    """Type the measured gas stock (kg) read from the storage bank."""

    def __init__(self) -> None:
        super().__init__("unload.measure_title", "unload.measure_field")


class UnloadingScreen(Screen[None]):
    """Fill in a trailer's unloading log step by step. ``UnloadingScreen(unloading_id=None)``: None starts a
    new arrival (or continues the one still on the forecourt)."""

    DEFAULT_CSS = """
    UnloadingScreen { layout: vertical; }
    #head { height: 1; background: $primary; color: $text; padding: 0 1; }
    #body { height: 1fr; }
    #checklist { width: 36; padding: 0 1; border-right: solid $primary; }
    #form { width: 1fr; padding: 0 1; }
    #form Input { height: 1; border: none; margin: 0; padding: 0 1; }
    #source { height: 1; color: $text-muted; }
    #live { height: auto; }
    #prompt { height: auto; }
    #msg { height: auto; min-height: 2; }
    """

    # The way back comes first: an 80-column footer cuts off the keys at its end.
    BINDING_KEYS: ClassVar[list[Key]] = [
        Key("escape", "back", "key.back"),
        Key("enter", "next", "unload.key.next"),
        Key("f8", "interrupt", "unload.key.interrupt"),
        Key("f3", "list", "unload.key.list"),
        Key("f6", "measure", "unload.key.measure"),
        Key("f7", "stock", "unload.key.stock"),
        Key("f4", "print_record", "unload.key.print"),
        Key("f5", "export", "unload.key.export"),
    ]

    def __init__(self, unloading_id: int | None = None) -> None:
        super().__init__()
        self.unloading_id = unloading_id
        self.view: UnloadingView | None = None
        self._busy = False
        self._unsubscribe: Callable[[], None] | None = None
        self._live: tuple[str, int, int, int, int] | None = None  # post state, p, T, quantity, flow

    # ------------------------------------------------------------------ plumbing

    @property
    def lang(self) -> Language:
        return app_of(self).language

    @property
    def unloads(self) -> UnloadingLog:
        return UnloadingLog(app_of(self).core.ledger)

    def post_address(self) -> int | None:
        core = app_of(self).core
        address = core.settings.unloading.post_address
        if core.bus is not None and address and address in core.bus.addresses:
            return address
        return None

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    def say(self, text: str, ok: bool = True) -> None:
        colour, mark = ("green", "✓") if ok else ("red", "✗")
        self.query_one("#msg", Static).update(f"[{colour}]{mark} {text}[/]")

    def refuse(self, exc: Exception) -> None:
        if isinstance(exc, LedgerError | InputError):
            params = dict(exc.params)
            if params.get("field") in FIELD_LABELS:
                params["field"] = t(FIELD_LABELS[params["field"]], self.lang)
            for name in ("difference", "tolerance"):
                if isinstance(params.get(name), int):
                    params[name] = format_centi(params[name])
            self.say(esc(error_text(exc.code, self.lang, **params)), ok=False)
        else:
            self.say(esc(refusal_text(exc, self.lang)), ok=False)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="head")
        with Horizontal(id="body"):
            yield Static("", id="checklist")
            with Vertical(id="form"):
                for name in ARRIVAL_INPUTS:
                    yield Input(id=f"in-{name}", max_length=32)
                yield Static("", id="source")
                yield Static("", id="live")
                for name in READING_INPUTS:
                    yield Input(id=f"in-{name}", max_length=8)
                yield Static("", id="prompt")
                yield Static("", id="msg")
        yield StationFooter()

    async def on_mount(self) -> None:
        self.relabel()
        if self.unloading_id is None:
            open_ones = await self._db(self.unloads.open_unloadings)
            if open_ones:
                self.unloading_id = open_ones[-1].id
        if self.unloading_id is not None:
            self.view = await self._db(self.unloads.get, self.unloading_id)
        self.render_state()
        self.query_one(f"#in-{ARRIVAL_INPUTS[0]}", Input).focus()
        bus, address = app_of(self).core.bus, self.post_address()
        if bus is not None and address is not None:
            # The post's trailer readings, live: every change the bus polls, from the first read on.
            self._unsubscribe = bus.subscribe(self._on_bus_event)
            self._read_post()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_bus_event(self, event: BusEvent) -> None:
        if isinstance(event, UnloadingProgress) and event.address == self.post_address():
            self._live = (event.state.name.lower(), event.pressure, event.temperature, event.quantity, event.flow)
            self.show_live()

    @work(exclusive=True, group="unload-live")
    async def _read_post(self) -> None:
        bus, address = app_of(self).core.bus, self.post_address()
        if bus is None or address is None:
            return
        try:
            status = await asyncio.wait_for(bus.read_unloading_status(address), 5)
        except Exception:  # the bus shows the link state; the live line waits for the next poll
            return
        if self._live is None:
            self._live = (status.state.name.lower(), status.pressure, status.temperature, status.quantity, status.flow)
            self.show_live()

    def show_live(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        address = self.post_address()
        widget = self.query_one("#live", Static)
        if address is None:
            widget.update("")
            return
        if self._live is None:
            widget.update(f"[dim]{t('unload.live_waiting', lang, address=address)}[/]")
            return
        state, pressure, temperature, quantity, flow = self._live
        head = t(
            "unload.live_head",
            lang,
            address=address,
            state=t(f"unload.post_state.{state}", lang),
            flow=format_centi(flow),
        )
        values = t(
            "unload.live_values",
            lang,
            pressure=format_centi(pressure),
            temp=fmt_temp(temperature),
            qty=format_centi(quantity),
        )
        colour = "red" if state == "fault" else "b cyan" if state == "unloading" else "cyan"
        widget.update(f"[{colour}]{head}\n{values}[/]")

    def relabel(self) -> None:
        lang = self.lang
        apply_bindings(self, self.BINDING_KEYS, lang)
        labels = {
            "trailer_plate": "unload.trailer_plate",
            "tractor_plate": "unload.tractor_plate",
            "driver": "unload.driver",
            "supplier": "unload.supplier",
            "note_number": "unload.note_number",
            "declared": "unload.declared",
            "water_volume": "unload.water_volume",
            "trailer_p": "unload.trailer_p",
            "trailer_t": "unload.trailer_t",
            "storage_p": "unload.storage_p",
            "storage_t": "unload.storage_t",
        }
        for name, key in labels.items():
            self.query_one(f"#in-{name}", Input).placeholder = t(key, lang)
        address = self.post_address()
        self.query_one("#source", Static).update(
            t("unload.readings_from_post", lang, address=address) if address else t("unload.readings_typed", lang)
        )
        self.render_state()
        self.show_live()

    def render_state(self) -> None:
        lang = self.lang
        view = self.view
        head = t("unload.title", lang)
        if view is not None:
            head += f" · {esc(view.trailer_plate)} · {t('unload.status.' + view.status, lang)}"
        self.query_one("#head", Static).update(head)
        lines: list[str] = []
        if view is None:
            lines.append(f"[b yellow]▶ {t('unload.step.arrived', lang)}[/]")
            lines.append(t("unload.new", lang))
        else:
            for step, state in checklist_position(view):
                label = t(f"unload.step.{step}", lang)
                if state == "done":
                    lines.append(f"[green]✓ {label}[/]")
                elif state == "next":
                    lines.append(f"[b yellow]▶ {label}[/]")
                else:
                    lines.append(f"[dim]· {label}[/]")
            if view.interrupted:
                last = next((e for e in reversed(view.events) if e.kind == "interrupted"), None)
                reason = t(f"unload.reason.{last.reason}", lang) if last else ""
                lines.append(f"[b red]‖ {t('unload.interrupted_now', lang, reason=reason)}[/]")
            if view.received_centi is not None:
                mark = f"[red]✗ {t('unload.flagged', lang)}[/]" if view.flagged else "[green]✓[/]"
                lines.append(f"{t('unload.received', lang)} {format_centi(view.received_centi)} kg")
                lines.append(f"{t('unload.difference', lang)} {fmt_centi(view.difference_centi)} {mark}")
            signed = next((e for e in view.events if e.kind == "signed_off"), None)
            if signed is not None:
                lines.append(f"[green]✓ {t('unload.signed_by', lang, manager=esc(signed.attendant))}[/]")
            elif view.needs_sign_off:
                lines.append(f"[b red]! {t('unload.signoff_needed', lang)}[/]")
        self.query_one("#checklist", Static).update("\n".join(lines))
        self.query_one("#prompt", Static).update(self._prompt(view))
        arrival_open = view is None
        for name in ARRIVAL_INPUTS:
            widget = self.query_one(f"#in-{name}", Input)
            widget.disabled = not arrival_open
            widget.display = arrival_open
        readings_needed = view is not None and not view.interrupted and view.next_step in ("started", "ended")
        typed_trailer = self.post_address() is None
        for name in READING_INPUTS:
            widget = self.query_one(f"#in-{name}", Input)
            show = readings_needed and (typed_trailer or name.startswith("storage"))
            widget.display = show
            widget.disabled = not show

    def _prompt(self, view: UnloadingView | None) -> str:
        """The visible way on: what Enter does now (F8 when interrupted)."""
        lang = self.lang
        if view is None:
            step = t("unload.step.arrived", lang)
        elif view.interrupted:
            return f"[b yellow]F8 {t('unload.step.resumed', lang)}[/]"
        elif view.next_step == "departed" and view.needs_sign_off:
            return f"[b yellow]⏎ {t('unload.signoff_needed', lang)}[/]"
        elif view.next_step is None:
            return f"[green]✓ {t('unload.done_all', lang)}[/]"
        else:
            step = t(f"unload.step.{view.next_step}", lang)
        return f"[b yellow]⏎ {t('unload.next', lang, step=step)}[/]"

    # ------------------------------------------------------------------ input

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = [w for w in self.query(Input) if w.display and not w.disabled]
        if event.input in inputs and event.input is not inputs[-1]:
            inputs[inputs.index(event.input) + 1].focus()
            return
        self.action_next()

    def _value(self, name: str) -> str:
        return self.query_one(f"#in-{name}", Input).value

    def _arrival(self) -> Arrival:
        volume_text = self._value("water_volume").strip()
        volume = parse_number(volume_text, "water_volume", places=0, low=1, high=100_000) if volume_text else None
        return Arrival(
            trailer_plate=self._value("trailer_plate"),
            tractor_plate=self._value("tractor_plate"),
            driver_name=self._value("driver"),
            supplier=self._value("supplier"),
            note_number=self._value("note_number"),
            declared_centi=parse_number(self._value("declared"), "declared", places=2, low=1, high=20_000_00),
            water_volume_l=volume,
        )

    def _typed_readings(self, trailer: tuple[int, int] | None = None) -> Readings:
        if trailer is None:
            trailer = (parse_pressure(self._value("trailer_p")), parse_temperature(self._value("trailer_t")))
        return Readings(
            trailer_pressure_centi_mpa=trailer[0],
            trailer_temp_deci_c=trailer[1],
            storage_pressure_centi_mpa=parse_pressure(self._value("storage_p"), "storage_p"),
            storage_temp_deci_c=parse_temperature(self._value("storage_t"), "storage_t"),
        )

    def _clear_readings(self) -> None:
        for name in READING_INPUTS:
            self.query_one(f"#in-{name}", Input).value = ""

    # ------------------------------------------------------------------ actions

    @work(exclusive=True, group="unload")
    async def action_next(self) -> None:
        core = app_of(self).core
        actor = core.actor
        if actor is None:
            self.say(error_text("not_logged_in", self.lang), ok=False)
            return
        if self.view is not None and self.view.interrupted:
            # Never end (nor stop the post) from an interruption: it is resumed first, with F8.
            self.refuse(LedgerError("unload_interrupted"))
            return
        if self.view is not None and self.view.next_step == "departed" and self.view.needs_sign_off:
            self._ask_sign_off(self.view)
            return
        try:
            if self.view is None:
                self.unloading_id = await self._db(self.unloads.arrive, actor, self._arrival())
                self.view = await self._db(self.unloads.get, self.unloading_id)
            elif self.view.next_step == "started":
                self.view = await self._start(actor)
            elif self.view.next_step == "ended":
                self.view = await self._end(actor)
            elif self.view.next_step is not None:
                self.view = await self._db(self.unloads.confirm, actor, self.view.id, self.view.next_step)
            else:
                self.say(t("unload.done_all", self.lang))
                return
        except (LedgerError, InputError) as exc:
            self.refuse(exc)
            return
        except Exception as exc:  # a device fault must not take the screen down
            self.say(error_text("unload_post_offline", self.lang, detail=type(exc).__name__), ok=False)
            return
        self.render_state()
        done = self.view.last_step
        self.say(t(f"unload.step.{done}", self.lang))
        if self.view.status == "departed":
            stock = await self._db(core.ledger.stock_centi, self.view.product_code)
            self.say(f"{t('unload.done_all', self.lang)} · {t('unload.stock_now', self.lang, qty=format_centi(stock))}")
        visible = [w for w in self.query(Input) if w.display and not w.disabled]
        if visible:
            visible[0].focus()

    async def _start(self, actor: Any) -> UnloadingView:
        assert self.view is not None
        address = self.post_address()
        bus = app_of(self).core.bus
        if address is None or bus is None:
            readings = self._typed_readings()
            view = await self._db(self.unloads.start, actor, self.view.id, readings)
        else:
            self._typed_readings((0, 0))  # the typed storage readings are checked before the post starts
            number = await asyncio.wait_for(bus.start_unloading(address), 5)
            # the post reads the trailer side once its inlet is open
            status = await asyncio.wait_for(bus.read_unloading_status(address), 5)
            readings = self._typed_readings((status.pressure, status.temperature))
            try:
                view = await self._db(self.unloads.start, actor, self.view.id, readings, number)
            except LedgerError:
                await asyncio.wait_for(bus.stop_unloading(address), 5)  # the log refused: the gas must not flow
                raise
        self._clear_readings()
        return view

    async def _end(self, actor: Any) -> UnloadingView:
        assert self.view is not None
        address = self.post_address()
        bus = app_of(self).core.bus
        if address is None or bus is None:
            readings = self._typed_readings()
            view = await self._db(self.unloads.end, actor, self.view.id, readings)
        else:
            storage = self._typed_readings((0, 0))  # checks the typed storage readings before the post stops
            status = await asyncio.wait_for(bus.read_unloading_status(address), 5)
            from station.devices.dispenser_protocol import UnloadState

            number = status.record_number
            if status.state is UnloadState.UNLOADING:
                number = await asyncio.wait_for(bus.stop_unloading(address), 5)
            record = await asyncio.wait_for(bus.read_unload_record(address, number), 5)
            readings = Readings(
                record.pressure_after,
                record.temperature_after,
                storage.storage_pressure_centi_mpa,
                storage.storage_temp_deci_c,
            )
            view = await self._db(
                self.unloads.end, actor, self.view.id, readings, meter_centi=record.quantity, meter_record=record.number
            )
            await asyncio.wait_for(bus.acknowledge(address, record.number), 5)
        self._clear_readings()
        return view

    def _ask_sign_off(self, view: UnloadingView) -> None:
        lang = self.lang
        why = t(
            "unload.signoff_why",
            lang,
            received=fmt_centi(view.received_centi),
            declared=fmt_centi(view.declared_centi),
            difference=fmt_centi(view.difference_centi),
            tolerance=format_centi(app_of(self).core.settings.unloading.declared_tolerance_percent),
        )

        def authorised(result: tuple[str, str, str] | None) -> None:
            if result is not None:
                self.run_worker(self._sign_off(view.id, *result), exclusive=True, group="unload")

        self.app.push_screen(ManagerAuthScreen(why), authorised)

    async def _sign_off(self, unloading_id: int, number: str, pin: str, note: str) -> None:
        core = app_of(self).core
        try:
            manager = await core.manager(number, pin)
            self.view = await self._db(self.unloads.sign_off, manager, unloading_id, note)
        except (CoreRefused, LedgerError) as exc:
            self.refuse(exc)
            return
        self.render_state()
        self.say(t("unload.step.signed_off", self.lang))

    def action_interrupt(self) -> None:
        view = self.view
        actor = app_of(self).core.actor
        if view is None or actor is None:
            return
        if view.interrupted:
            self._resume()
            return

        def noted(note: str | None) -> None:
            if note is not None:
                self._interrupt("other", note)

        def chosen(reason: str | None) -> None:
            if reason == "other":  # "other" says what happened: the log refuses it without a note
                self.app.push_screen(PromptScreen("unload.other_title", "unload.note", 200), noted)
            elif reason is not None:
                self._interrupt(reason)

        self.app.push_screen(ReasonScreen(), chosen)

    @work(exclusive=True, group="unload")
    async def _interrupt(self, reason: str, note: str = "") -> None:
        assert self.view is not None
        actor = app_of(self).core.actor
        try:
            self.view = await self._db(self.unloads.interrupt, actor, self.view.id, reason, note)
        except LedgerError as exc:
            self.refuse(exc)
            return
        self.render_state()
        self.say(t(f"unload.reason.{reason}", self.lang), ok=False)

    @work(exclusive=True, group="unload")
    async def _resume(self) -> None:
        assert self.view is not None
        actor = app_of(self).core.actor
        try:
            self.view = await self._db(self.unloads.resume, actor, self.view.id)
        except LedgerError as exc:
            self.refuse(exc)
            return
        self.render_state()
        self.say(t("unload.step.resumed", self.lang))

    @work(exclusive=True, group="unload-print")
    async def action_print_record(self) -> None:
        if self.view is None:
            return
        core = app_of(self).core
        view = await self._db(self.unloads.get, self.view.id)
        report = unloading_report(view, core.settings.station.name, core.settings.station.code, self.lang)
        if core.print_queue is None:
            return
        outcome = await core.print_queue.submit_async(report, self.lang)
        if outcome.printed:
            self.say(t("unload.printed", self.lang))
        else:
            self.say(error_text("unload_post_offline", self.lang, detail=outcome.error or ""), ok=False)

    @work(exclusive=True, group="unload-print")
    async def action_export(self) -> None:
        if self.view is None:
            return
        view = await self._db(self.unloads.get, self.view.id)
        path = export_dir(self) / f"unloading-{view.id}.csv"
        await self._db(write_csv, [view], path, self.lang)
        self.say(t("unload.exported", self.lang, path=str(path)))

    @work(exclusive=True, group="unload-print")
    async def action_stock(self) -> None:
        core = app_of(self).core
        zone = getattr(core.settings.station, "zone", dt.timezone(dt.timedelta(hours=8)))
        day = core.ledger.now().astimezone(zone).date()
        report = await self._db(self.unloads.day_stock_report, day)
        self.query_one("#msg", Static).update(stock_text(report, day, self.lang))

    def action_measure(self) -> None:
        """A manager enters the measured stock (storage bank reading); the day's reconciliation compares it."""

        def typed(text: str | None) -> None:
            if text is None:
                return
            try:
                measured = parse_number(text, "measured", places=2, low=0, high=10**9)
            except InputError as exc:
                self.refuse(exc)
                return

            def authorised(result: tuple[str, str, str] | None) -> None:
                if result is not None:
                    self.run_worker(self._record_measured(measured, *result))

            self.app.push_screen(ManagerAuthScreen(t("unload.measure_why", self.lang)), authorised)

        self.app.push_screen(MeasuredStockScreen(), typed)

    async def _record_measured(self, measured: int, number: str, pin: str, note: str) -> None:
        core = app_of(self).core
        try:
            manager = await core.manager(number, pin)
            await self._db(self.unloads.record_stock_count, manager, measured, note=note)
        except (CoreRefused, LedgerError) as exc:
            self.refuse(exc)
            return
        self.action_stock()

    def action_list(self) -> None:
        self.app.push_screen(UnloadingListScreen())

    def action_back(self) -> None:
        self.app.pop_screen()


def export_dir(node: Any) -> Path:
    queue = app_of(node).core.print_queue
    return (queue.spool_dir.parent if queue is not None else Path.cwd()) / "exports"


class UnloadingListScreen(Screen[None]):
    """Search the log by trailer, supplier, note number or date; Enter searches, F5 exports what is shown."""

    DEFAULT_CSS = """
    #list-head { height: 1; background: $primary; padding: 0 1; }
    #results { height: 1fr; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.results: list[UnloadingView] = []

    def compose(self) -> ComposeResult:
        lang = app_of(self).language
        yield Static(t("unload.list_title", lang), id="list-head")
        yield Input(placeholder=t("unload.search", lang), id="query", max_length=32)
        yield Static("", id="results")
        yield StationFooter()

    def on_mount(self) -> None:
        apply_bindings(
            self,
            [Key("f5", "export", "unload.key.export"), Key("escape", "back", "key.back")],
            app_of(self).language,
        )
        self.query_one("#query", Input).focus()
        self.search("")

    @on(Input.Submitted)
    def _go(self, event: Input.Submitted) -> None:
        self.search(event.value)

    @work(exclusive=True)
    async def search(self, text: str) -> None:
        log = UnloadingLog(app_of(self).core.ledger)
        text = text.strip()
        try:
            day = dt.date.fromisoformat(text) if len(text) == 10 and text[4] == "-" else None
        except ValueError:
            day = None
        if day is not None:
            views = await asyncio.to_thread(log.search, day_from=day, day_to=day)
        else:
            views = await asyncio.to_thread(log.search, text=text)
        self.results = views
        lang = app_of(self).language
        if not views:
            self.query_one("#results", Static).update(t("unload.none_found", lang))
            return
        rows = []
        for v in views[:18]:
            when = v.arrived_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%m-%d %H:%M")
            flag = "[red]✗[/]" if v.flagged else "[green]✓[/]" if v.received_centi is not None else "·"
            rows.append(" ".join([f"{v.id:>4} {when}", *self._cells(v, lang), flag, self._cell(v.status, lang)]))
        self.query_one("#results", Static).update("\n".join(rows))

    # Columns in terminal cells (a Chinese character is two): a row never wraps at 80 columns.
    COLUMNS = (("trailer_plate", 10), ("supplier", 10), ("note_number", 11))

    @classmethod
    def _cells(cls, view: UnloadingView, lang: Language) -> list[str]:
        out = [esc(set_cell_size(str(getattr(view, name)), width)) for name, width in cls.COLUMNS]
        out.append(set_cell_size(fmt_centi(view.received_centi).rjust(9), 9))
        return out

    @staticmethod
    def _cell(status: str, lang: Language) -> str:
        return esc(set_cell_size(t("unload.status." + status, lang), 15).rstrip())

    @work(exclusive=True, group="export")
    async def action_export(self) -> None:
        path = export_dir(self) / f"unloadings-{dt.datetime.now():%Y%m%d-%H%M%S}.csv"
        await asyncio.to_thread(write_csv, self.results, path, app_of(self).language)
        self.notify(t("unload.exported", app_of(self).language, path=str(path)))

    def action_back(self) -> None:
        self.app.pop_screen()
