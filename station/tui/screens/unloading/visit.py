"""A trailer's visit (卸气记录): its checklist steps share one form and one log (the form and its drawing in
``visit_view``).

Step by step: one key per checklist step, readings from the unloading post or typed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from textual import on, work
from textual.widgets import Input, Static

from station.core.station import CoreRefused
from station.core.views import (
    LedgerError,
    Readings,
    UnloadingView,
)
from station.i18n import error_text, t
from station.money import format_centi
from station.printouts.unloading import fmt_centi, unloading_report
from station.tui.common import InputError, app_of
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.unloading.fields import (
    parse_number,
)
from station.tui.screens.unloading.prompts import MeasuredStockScreen, PromptScreen, ReasonScreen
from station.tui.screens.unloading.record import export_dir, stock_text, write_csv
from station.tui.screens.unloading.search import UnloadingListScreen
from station.tui.screens.unloading.visit_view import VisitView


class UnloadingScreen(VisitView):
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

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = [w for w in self.query(Input) if w.display and not w.disabled]
        if event.input in inputs and event.input is not inputs[-1]:
            inputs[inputs.index(event.input) + 1].focus()
            return
        self.action_next()

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
