"""A trailer's visit (卸气记录), one screen class past ~400 lines: its checklist steps share one form and one log.

Step by step: one key per checklist step, readings from the unloading post or typed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from station.core.station import CoreRefused
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
from station.printouts.unloading import fmt_centi, fmt_temp, unloading_report
from station.tui.common import InputError, Key, app_of, apply_bindings, esc, refusal_text
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.unloading.fields import (
    ARRIVAL_INPUTS,
    FIELD_LABELS,
    READING_INPUTS,
    parse_number,
    parse_pressure,
    parse_temperature,
)
from station.tui.screens.unloading.prompts import MeasuredStockScreen, PromptScreen, ReasonScreen
from station.tui.screens.unloading.record import export_dir, stock_text, write_csv
from station.tui.screens.unloading.search import UnloadingListScreen
from station.tui.widgets.footer import StationFooter

T = TypeVar("T")


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
            from station.core.views import UnloadState

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
