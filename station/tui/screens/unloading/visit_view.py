"""A trailer's visit (卸气记录), the screen without its actions: the checklist and form drawn for the step the
visit is at, the unloading post's live readings, the form read into arrival and readings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core.views import (
    Arrival,
    BusEvent,
    LedgerError,
    Readings,
    UnloadingLog,
    UnloadingProgress,
    UnloadingView,
    checklist_position,
)
from station.i18n import Language, error_text, t
from station.money import format_centi
from station.printouts.unloading import fmt_centi, fmt_temp
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, refusal_text
from station.tui.screens.unloading.fields import (
    ARRIVAL_INPUTS,
    FIELD_LABELS,
    READING_INPUTS,
    parse_number,
    parse_pressure,
    parse_temperature,
)
from station.tui.widgets.footer import StationFooter

T = TypeVar("T")


class VisitView(Screen[None]):
    """Fill in a trailer's unloading log step by step. ``UnloadingScreen(unloading_id=None)``: None starts a
    new arrival (or continues the one still on the forecourt)."""

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
