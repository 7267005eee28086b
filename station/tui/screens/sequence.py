"""The fuelling sequence screen: the 11 steps share one panel and one input.

The checklist, the phrase to say, one key per step, the timers. The settle step's fields and keys (cash, card,
the payment code) are ``sequence_settle``; the panels' text is ``sequence_panels``. What is left reads and moves
the same screen state (the lane's sequence, the one focused field), so it stays one class.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from station.core import entry
from station.core.sequence import (
    AbortReason,
    FuelingSequence,
    PaymentKind,
    PresetChoice,
    PresetKind,
    Step,
)
from station.core.station import CoreRefused, SettleResult
from station.i18n import t
from station.tui.common import (
    InputError,
    Key,
    app_of,
    apply_bindings,
    esc,
    parse_money_input,
    parse_pressure_input,
    parse_quantity_input,
    read_entry,
    refusal_text,
)
from station.tui.modals.abort import AbortScreen
from station.tui.modals.manager_auth import ManagerAuthScreen
from station.tui.screens.leak import leak_stopped, leak_texts
from station.tui.screens.sequence_card import CardSteps
from station.tui.screens.sequence_panels import info_text, items_text, phrase, steps_text
from station.tui.screens.sequence_settle import CashInput, SettleSteps
from station.tui.widgets.footer import StationFooter
from station.tui.widgets.lane_tile import timer_text

INPUT_IDS = (
    "card-number",
    "card-plate",
    "card-pin",
    "vehicle-plate",
    "pressure",
    "preset",
    "tendered",
    "mobile-code",
)


class SequenceScreen(CardSteps, SettleSteps):
    # Textual's default would focus the first Input on coming back from a modal (the simulator, an abort box),
    # hidden or not: a hidden field then swallows every ⏎. The screen says which field has the focus.
    AUTO_FOCUS = ""
    DEFAULT_CSS = """
    #seq-title { height: 1; background: $primary; padding: 0 1; }
    #timers { height: 1; padding: 0 1; }
    #body { height: 1fr; }
    #steps { width: 26; border: round $primary; padding: 0 1; }
    #main { width: 1fr; padding: 0 1; }
    #say { border: heavy $accent; padding: 0 1; height: auto; text-style: bold; }
    #do-row { height: auto; padding: 0 1; }
    #do-label { width: auto; padding-right: 2; text-style: bold; }
    #do { width: 1fr; height: auto; }
    #items { height: auto; padding: 0 1; }
    #main Input { height: 3; }
    #info { height: 1fr; padding: 0 1; }
    #seq-message { height: auto; padding: 0 1; }
    """

    def __init__(self, lane_key: tuple[int, int]) -> None:
        super().__init__()
        self.lane_key = lane_key
        self.card_uid: str | None = None
        self.problems: list[dict[str, Any]] = []
        self.preset_kind: PresetKind | None = None
        self.pending_tender: int | None = None
        self.settle_result: SettleResult | None = None
        self.card_view_text = ""
        self.busy = False
        self.shown_item: str | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="seq-title")
        yield Static("", id="timers")
        with Horizontal(id="body"):
            yield Static("", id="steps")
            with Vertical(id="main"):
                yield Static("", id="say")
                # The label in its own column: a long instruction wraps under itself, not under the label.
                with Horizontal(id="do-row"):
                    yield Static("", id="do-label")
                    yield Static("", id="do")
                yield Static("", id="items")
                # No restrict= patterns: a dropped character changes the value; the parser refuses instead.
                yield Input(id="card-number", max_length=32)
                yield Input(id="card-plate", max_length=16)
                yield Input(id="card-pin", password=True, max_length=16)
                yield Input(id="vehicle-plate", max_length=16)
                yield Input(id="pressure", max_length=16)
                yield Input(id="preset", max_length=16)
                yield CashInput(id="tendered", max_length=16)
                yield Input(id="mobile-code", max_length=32)  # a USB scanner types the code and Enter here
                with VerticalScroll(id="info"):
                    yield Static("", id="info-text")
                yield Static("", id="seq-message")
        yield StationFooter()

    @property
    def core(self) -> Any:
        return app_of(self).core

    @property
    def lang(self) -> Any:
        return app_of(self).language

    @property
    def seq(self) -> FuelingSequence | None:
        return self.core.lane(self.lane_key).sequence  # type: ignore[no-any-return]

    def on_mount(self) -> None:
        self.set_interval(0.25, self.tick)
        # is_mounted is still False inside the Mount handler: render once it is, or a sequence re-entered
        # after Esc (no lane event to come) would show an empty screen that answers no key.
        self.call_after_refresh(self.render_state, True)

    def relabel(self) -> None:
        self.render_state(focus=False)

    def on_screen_resume(self) -> None:
        """Back from a modal: the step's own field has the focus again, or none has."""
        self.render_state(focus=True)

    def on_lane_changed(self, lane: tuple[int, int]) -> None:
        if lane == self.lane_key:
            self.render_state(focus=True)

    # ------------------------------------------------------------------ rendering

    def _phrase(self, key: str, **params: Any) -> str:
        return phrase(key, self.lang, **params)

    def _current_item(self, seq: FuelingSequence) -> str | None:
        if seq.step is Step.SAFETY:
            return seq.next_safety_item
        if seq.step is Step.CONNECT:
            return seq.next_connect_item
        if seq.step is Step.DISCONNECT:
            return seq.next_disconnect_item
        return None

    def _wanted_inputs(self, seq: FuelingSequence) -> list[str]:
        if seq.step is Step.CARD:
            return ["card-number", "card-plate", "card-pin"]
        if seq.step is Step.VEHICLE:
            return ["vehicle-plate"]
        if seq.step is Step.CONNECT and seq.next_connect_item == "residual_pressure":
            return ["pressure"]
        if seq.step is Step.AUTHORIZE and self.preset_kind in (PresetKind.AMOUNT, PresetKind.QUANTITY):
            return ["preset"]
        if seq.step is Step.SETTLE:
            return self.settle_inputs(seq)
        return []

    def render_state(self, focus: bool = False) -> None:
        if not self.is_mounted:
            return  # a lane event can arrive before the screen is composed; on_mount renders it then
        seq = self.seq
        app = app_of(self)
        lang = self.lang
        if seq is None:
            return
        self.card_step_shown(seq)
        d, n = self.lane_key
        station = app.core.settings.station.name
        actor = app.core.actor
        self.query_one("#seq-title", Static).update(
            f"[b]{t('lane.name', lang, d=d, n=n)}[/b] · {esc(actor.name) if actor else ''} · "
            f"{esc(t('app.title', lang, station=station))}"
        )
        self.query_one("#steps", Static).update(steps_text(seq, lang))

        item = self._current_item(seq)
        self.shown_item = item  # what ⏎ confirms: the item on screen, not one a report has put there since
        if leak_stopped(seq):  # not a toast: what happened and what to do stay on the screen
            say, do = leak_texts(seq, self.core.lane(self.lane_key), lang)
        else:
            say, do = self._texts(seq, item, station)
        self.query_one("#say", Static).update(f"{t('say', lang)}: {say}")
        self.query_one("#do-label", Static).update(f"{t('do', lang)}:")
        self.query_one("#do", Static).update(do)
        self.query_one("#items", Static).update(items_text(seq, self._current_item(seq), lang))

        wanted = self._wanted_inputs(seq)
        for input_id in INPUT_IDS:
            widget = self.query_one(f"#{input_id}", Input)
            widget.display = input_id in wanted
        self._placeholders(seq)
        if seq.step is Step.VEHICLE:
            plate_input = self.query_one("#vehicle-plate", Input)
            if not plate_input.value and seq.plate:
                plate_input.value = seq.plate
        self.query_one("#info-text", Static).update(self._info_text(seq))
        self._bindings_for(seq)
        # A field of a step already done must not keep the focus: hidden, it would swallow ⏎ and the screen would
        # look dead (a late card read once put it there).
        held = self.focused
        if isinstance(held, Input) and held.id in INPUT_IDS and held.id not in wanted:
            focus = True
        if focus:
            if wanted:
                target = next((i for i in wanted if not self.query_one(f"#{i}", Input).value), wanted[-1])
                if seq.step is Step.CARD and self.card_uid and target == "card-number":
                    target = "card-plate"
                self.query_one(f"#{target}", Input).focus()
            else:
                self.set_focus(None)
        self.tick()

    def _texts(self, seq: FuelingSequence, item: str | None, station: str) -> tuple[str, str]:
        lang = self.lang
        d, n = self.lane_key
        step = seq.step
        if step is Step.ARRIVAL:
            return self._phrase("phrase.arrival", station=station), t(
                "do.arrival", lang, lane=t("lane.name", lang, d=d, n=n)
            )
        if step in (Step.SAFETY, Step.CONNECT, Step.DISCONNECT) and item:
            return self._phrase(f"phrase.{item}"), t(f"do.{item}", lang)
        if step is Step.PAYMENT:
            return self._phrase("phrase.payment"), t("do.payment", lang)
        if step is Step.CARD:
            return self._phrase("phrase.card"), t("do.card", lang)
        if step is Step.VEHICLE:
            return self._phrase("phrase.vehicle"), t("do.vehicle", lang)
        if step is Step.AUTHORIZE:
            return self._phrase("phrase.authorize"), t("do.authorize", lang)
        if step is Step.FILLING:
            return self._phrase("phrase.filling"), t("do.filling", lang)
        if step is Step.SETTLE:
            return self.settle_texts(seq)
        if step is Step.FAREWELL:
            return self._phrase("phrase.farewell"), t("do.farewell", lang)
        if step is Step.ABORTED:
            reason = t("abort." + (seq.abort_reason.value if seq.abort_reason else "attendant"), lang)
            return t("aborted", lang, reason=reason), t("key.back", lang) + " ⎋"
        return "", ""

    def _problem_text(self) -> str:
        return "; ".join(
            t("cyl." + p["code"], self.lang, serial=p.get("serial", ""), date=p.get("date", "")) for p in self.problems
        )

    def _placeholders(self, seq: FuelingSequence) -> None:
        lang = self.lang
        unit = self.core.settings.station.sale_unit
        self.query_one("#card-number", Input).placeholder = t("card.number", lang)
        self.query_one("#card-plate", Input).placeholder = t("card.plate", lang)
        self.query_one("#card-pin", Input).placeholder = t("card.pin", lang)
        self.query_one("#vehicle-plate", Input).placeholder = t("card.plate", lang)
        self.query_one("#pressure", Input).placeholder = (
            t("pressure.label", lang) + " (⏎ = " + t("key.read_gauge", lang) + ")"
        )
        key = "preset.amount" if self.preset_kind is PresetKind.AMOUNT else "preset.quantity"
        self.query_one("#preset", Input).placeholder = t(key, lang, unit=unit)
        self.settle_placeholders()

    def _info_text(self, seq: FuelingSequence) -> str:
        return info_text(
            seq,
            self.core.lane(self.lane_key),
            self.lang,
            unit=self.core.settings.station.sale_unit,
            card_view=self.card_view_text,
            problems=self.problems,
            settled=self.settle_result,
        )

    def _bindings_for(self, seq: FuelingSequence) -> None:
        keys = [Key("escape", "back", "key.back")]
        step = seq.step
        inputs = bool(self._wanted_inputs(seq))
        if (
            step in (Step.ARRIVAL, Step.SAFETY, Step.CONNECT, Step.DISCONNECT, Step.SETTLE, Step.FAREWELL)
            and not inputs
        ):
            keys.insert(0, Key("enter", "confirm", "key.confirm"))
        if step is Step.PAYMENT:
            keys += [Key("c", "pay('cash')", "key.cash"), Key("k", "pay('card')", "key.card")]
        if step is Step.CARD or (step is Step.AUTHORIZE and seq.payment is PaymentKind.CARD):
            keys.append(Key("f5", "to_cash", "key.to_cash"))  # step 7 is where the balance refusal comes
        if step is Step.SETTLE:
            keys += self.settle_keys(seq)
        if step is Step.VEHICLE and self.problems:
            keys.append(Key("f7", "override", "key.override"))
        if step is Step.AUTHORIZE and not inputs:
            keys += [
                Key("a", "preset('amount')", "key.amount"),
                Key("q", "preset('quantity')", "key.quantity"),
                Key("u", "preset('fill_up')", "key.fillup"),
            ]
        if step not in (Step.FILLING, Step.DISCONNECT, Step.SETTLE, Step.FAREWELL, Step.ABORTED, Step.DONE):
            keys.append(Key("f8", "abort", "key.abort"))
        if step is Step.ABORTED:
            keys.insert(0, Key("enter", "back", "key.back"))  # the one way on: back to the forecourt
        apply_bindings(self, keys, self.lang)
        self.refresh_bindings()

    def tick(self) -> None:
        if not self.is_mounted:
            return
        seq = self.seq
        if seq is None:
            return
        now = self.core.monotonic()
        lang = self.lang
        parts = [
            timer_text(
                seq.engine_timer.level(now),
                seq.engine_timer.elapsed(now),
                seq.engine_timer.limit_s,
                "timer.engine",
                lang,
            ),
            timer_text(
                seq.settle_timer.level(now),
                seq.settle_timer.elapsed(now),
                seq.settle_timer.limit_s,
                "timer.settle",
                lang,
            ),
        ]
        self.query_one("#timers", Static).update("   ".join(p for p in parts if p))
        if seq.step in (Step.FILLING, Step.AUTHORIZE):
            self.query_one("#info-text", Static).update(self._info_text(seq))

    def show_message(self, text: str, severity: str = "error") -> None:
        colour = {"error": "red", "warning": "dark_orange"}.get(severity, "green")
        mark = {"error": "✗", "warning": "!"}.get(severity, "✓")
        self.query_one("#seq-message", Static).update(f"[b {colour}]{mark} {esc(text)}[/]" if text else "")

    async def _run(self, coro: Any, success: str = "") -> bool:
        """Run one core call; a refusal is shown in the user's language and nothing moves on."""
        if self.busy:
            return False
        self.busy = True
        try:
            await coro
        except (CoreRefused, InputError) as exc:
            self.show_message(refusal_text(exc, self.lang))
            return False
        except Exception as exc:  # never a traceback on the attendant's screen
            self.show_message(t("err.unexpected", self.lang, detail=type(exc).__name__))
            return False
        finally:
            self.busy = False
        self.show_message(success, "information") if success else self.show_message("")
        self.render_state(focus=True)
        return True

    # ------------------------------------------------------------------ actions

    async def action_confirm(self) -> None:
        seq = self.seq
        if seq is None:
            return
        core, key = self.core, self.lane_key
        if seq.step is Step.ARRIVAL:
            await self._run(core.confirm_arrival(key))
        elif seq.step is Step.SAFETY:
            await self._run(core.confirm_safety_item(key))
        elif seq.step is Step.CONNECT:
            item = seq.next_connect_item
            if item == "nozzle_connected":
                self._demo_lift()  # the key: the dispenser has not reported the nozzle lifted (fallback)
            if await self._run(core.confirm_connect_item(key, self.shown_item)):
                refused = core.lane(key).reading_refused  # no reading from the dispenser: the gauge is typed
                if refused is not None and seq.next_connect_item == "residual_pressure":
                    self.show_message(refusal_text(refused, self.lang), "warning")
        elif seq.step is Step.DISCONNECT:
            if seq.next_disconnect_item == "nozzle_vented_removed":
                self._demo_hang()
            await self._run(core.confirm_disconnect_item(key, self.shown_item))
        elif seq.step is Step.SETTLE and seq.payment is PaymentKind.CARD:
            await self.settle_card_now()
        elif seq.step is Step.FAREWELL and await self._run(core.farewell(key)):
            self.app.pop_screen()

    def _demo_lift(self) -> None:
        # In the demo, "connect the nozzle" is the attendant lifting it: the simulated forecourt follows.
        sim = app_of(self).sim
        lane = self.core.lane(self.lane_key)
        from station.core.lanes import NozzleState

        if sim is not None and lane.state is NozzleState.IDLE:
            try:
                sim.lift(*self.lane_key)
            except Exception as exc:
                self.show_message(str(exc))

    def _demo_hang(self) -> None:
        sim = app_of(self).sim
        if sim is not None:
            try:
                sim.hang(*self.lane_key)
            except Exception as exc:
                self.show_message(str(exc))

    async def action_pay(self, kind: str) -> None:
        await self._run(self.core.choose_payment(self.lane_key, PaymentKind(kind)))

    async def action_to_cash(self) -> None:
        self.card_view_text = ""
        await self._run(self.core.switch_to_cash(self.lane_key))

    async def action_preset(self, kind: str) -> None:
        preset = PresetKind(kind)
        if preset is PresetKind.FILL_UP:
            await self._run(self.core.authorize(self.lane_key, PresetChoice(PresetKind.FILL_UP)))
            return
        self.preset_kind = preset
        self.query_one("#preset", Input).value = ""
        self.render_state(focus=True)

    def action_back(self) -> None:
        if self.settle_back():
            return
        seq = self.seq
        inputs = self._wanted_inputs(seq) if seq else []
        if seq is not None and seq.step is Step.AUTHORIZE and self.preset_kind is not None and inputs:
            self.preset_kind = None
            self.render_state(focus=True)
            return
        if seq is not None and seq.step is Step.ABORTED and not seq.leak_fill_pending:
            # (a leak-stopped fill still on its way keeps its sequence, whose attendant and plate it carries)
            self.core.lane(self.lane_key).sequence = None
        self.app.pop_screen()

    def action_abort(self) -> None:
        def chosen(reason: AbortReason | None) -> None:
            if reason is not None:
                self.run_worker(self._abort(reason))

        self.app.push_screen(AbortScreen(), chosen)

    async def _abort(self, reason: AbortReason) -> None:
        if await self._run(self.core.abort(self.lane_key, reason)):
            self.app.pop_screen()
            self.app.notify(t("aborted", self.lang, reason=t("abort." + reason.value, self.lang)), severity="warning")

    def action_override(self) -> None:
        problems = [p["code"] for p in self.problems]

        def done(result: tuple[str, str, str] | None) -> None:
            if result is not None:
                self.run_worker(self._override(problems, *result))

        why = "; ".join(
            t("cyl." + p["code"], self.lang, serial=p.get("serial", ""), date=p.get("date", "")) for p in self.problems
        )
        self.app.push_screen(ManagerAuthScreen(why), done)

    async def _override(self, problems: list[str], number: str, pin: str, reason: str) -> None:
        if await self._run(self.core.override_vehicle(self.lane_key, problems, number, pin, reason)):
            self.problems = []
            self.render_state(focus=True)

    # ------------------------------------------------------------------ inputs

    @on(Input.Submitted, "#vehicle-plate")
    async def _vehicle(self, event: Input.Submitted) -> None:
        async def check() -> None:
            self.problems = []
            typed = event.value.strip()
            # Blank keeps the plate from the card step; anything typed must be a plate before the registry.
            plate = read_entry(entry.plate, typed) if typed else ""
            self.problems = await self.core.check_vehicle(self.lane_key, plate)
            if self.problems:
                raise CoreRefused("cylinder_refused", problems=self._problem_text())

        if not await self._run(check()):
            # Refused: the problems stay listed, the plate stays editable, F7 asks a manager.
            self.render_state(focus=False)
            self.query_one("#vehicle-plate", Input).focus()

    @on(Input.Submitted, "#pressure")
    async def _pressure(self, event: Input.Submitted) -> None:
        text = event.value.strip()

        async def record() -> None:
            if not text:
                await self.core.residual_from_dispenser(self.lane_key)
            else:
                await self.core.residual_typed(self.lane_key, parse_pressure_input(text))

        await self._run(record())

    @on(Input.Submitted, "#preset")
    async def _preset(self, event: Input.Submitted) -> None:
        kind = self.preset_kind or PresetKind.AMOUNT

        async def authorize() -> None:
            value = parse_money_input(event.value) if kind is PresetKind.AMOUNT else parse_quantity_input(event.value)
            await self.core.authorize(self.lane_key, PresetChoice(kind, value))
            self.preset_kind = None

        await self._run(authorize())
