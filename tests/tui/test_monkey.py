"""The monkey: Hypothesis drives the whole terminal with keys drawn from what each screen offers.

The real app at 80×24 on the simulated forecourt (dispensers, unloading post, card reader and printer speaking
their byte protocols over TCP), a seeded SQLite ledger, the demo attendant logged in. Then, step by step,
Hypothesis draws a key from the current screen's active bindings (focused widget chain, screen, app), digits,
a few letters, full-width digits, '.', '-', Esc, Tab, Shift+Tab, ⏎ — or now and then a whole phrase a person
would type into the focused field (a plate, a card number, a PIN, an amount), so the monkey gets past the fields
into real fills (the simulator panel, F12, lifts nozzles and presents cards). After every key:

- nothing was logged at ERROR on the ``station`` logger (the app's own error path logs there before it
  resets a screen) and Textual has not stopped the app;
- the screen offers the attendant a way on: a binding of its own shown in the footer, or a focused input;
- every ``station db check`` invariant holds (the same ``check_ledger`` the command runs, with the audit key);

and every ``STATION_MONKEY_ESC_EVERY`` keys (50) and at the end, Esc (at most eight times) leads back to the
forecourt (``OverviewScreen``). Ctrl+Q and Ctrl+C are never pressed; Ctrl+L is: after a few keys at the login
screen the monkey logs back in, as the attendant or the manager (drawn), so the desk is reached too.

Defaults keep the CI run short (2 examples × 150 keys). ``HYPOTHESIS_PROFILE=long`` (``make fuzz``) runs
more and longer walks; ``STATION_MONKEY_EXAMPLES`` and ``STATION_MONKEY_STEPS`` override both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import given, note, settings
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from station.ledger.checks import check_ledger
from station.runtime import open_station
from station.seed import ATTENDANT, MANAGER, seed_demo
from station.simrig import SimulatedForecourt, open_first_shift, start_forecourt
from station.tui.app import StationApp
from station.tui.screens.forecourt import OverviewScreen
from station.tui.screens.login import LoginScreen

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = int(os.environ.get("STATION_MONKEY_EXAMPLES", "40" if LONG else "2"))
STEPS = int(os.environ.get("STATION_MONKEY_STEPS", "400" if LONG else "150"))
ESC_EVERY = int(os.environ.get("STATION_MONKEY_ESC_EVERY", "50"))
LOGIN_KEYS = 5  # keys the monkey types at the login screen before the attendant logs in again
STEP_TIMEOUT = 30.0  # one key (or phrase) and its settling: a hang fails with the keys that led to it

NEVER = frozenset({"ctrl+q", "ctrl+c"})  # quitting ends the walk; Ctrl+C is Textual's own quit/copy
DIGITS = [str(i) for i in range(10)]
FULL_WIDTH = [chr(ord("０") + i) for i in range(10)]
LETTERS = ["a", "c", "k", "q", "u", "s", "l", "h", "r", "x", "e", "z"]
OTHER = [".", "-", "escape", "tab", "shift+tab", "enter", "backspace"]
PLAIN_KEYS = sorted({*DIGITS, *FULL_WIDTH, *LETTERS, *OTHER})
# A third of the keys from what the screen offers, a third ⏎ (it moves every flow on, so the walk gets past
# the first steps into real fills), then plain keys and phrases; shrinking goes toward "offered".
KINDS = ["offered", "offered", "enter", "enter", "plain", "phrase"]
KINDS_IN_A_FIELD = ["offered", "enter", "enter", "plain", "phrase", "phrase"]  # a field waits for its phrase
# What a person types into the fields: plates, card numbers, PINs, staff numbers, amounts.
PHRASES = ["鲁E22222", "鲁E12345", "鲁E99999", "88000001", "123456", "1001", "1234", "9001", "9999", "50", "20.5"]
# A focused field whose id holds one of these gets a phrase of its kind (the first that matches wins).
FIELD_PHRASES = [
    ("mgr-number", ["9001", "1001"]),  # a manager's sign-off: mostly the manager, sometimes the attendant
    ("mgr-pin", ["9999", "1234"]),
    ("plate", ["鲁E22222", "鲁E12345", "鲁E00001", "鲁E99999"]),
    ("pin", ["123456", "654321", "222222", "9999", "1234", "000000"]),
    ("card", ["88000001", "88000002", "88000003", "88000004"]),
    ("number", ["9001", "1001"]),
    ("pressure", ["3", "2.5", "25"]),
    # amounts, quantities, notes: the rest, odd ones among them (too big, exponent, full-width, a currency sign)
    ("", ["50", "20.5", "100", "0", "5000", "0.01", "-5", "99999999", "1e3", "５０．５", "¥50", " 50 "]),
]


def phrases_for(app: StationApp) -> list[str]:
    focused = app.screen.focused
    if not isinstance(focused, Input):
        return PHRASES
    name = focused.id or ""
    return next(phrases for part, phrases in FIELD_PHRASES if part in name)


class ErrorLog(logging.Handler):
    """Every record at ERROR or above on the ``station`` logger, kept for the assertion."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        lines = []
        for record in self.records:
            lines.append(f"{record.name}: {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                lines.append(f"  {type(record.exc_info[1]).__name__}: {record.exc_info[1]}")
        return "\n".join(lines)


@contextlib.contextmanager
def captured_errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logger = logging.getLogger("station")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def pin_key_env(path: Path) -> Iterator[None]:
    old = os.environ.get("STATION_PIN_KEY")
    os.environ["STATION_PIN_KEY"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("STATION_PIN_KEY", None)
        else:
            os.environ["STATION_PIN_KEY"] = old


def stack_of(app: StationApp) -> str:
    names = [type(screen).__name__ for screen in app.screen_stack]
    focused = app.screen.focused
    where = f" focus=#{focused.id}" if focused is not None and focused.id else ""
    lane = getattr(app.screen, "lane_key", None)
    if lane is not None:
        seq = app.core.lane(lane).sequence
        where += f" lane={lane[0]}/{lane[1]} step={seq.step.value if seq is not None else None}"
    return " > ".join(names) + where


def offered_keys(app: StationApp) -> list[str]:
    """The keys the current screen answers to: the active bindings of the focus chain, screen and app."""
    keys = {key for key, active in app.screen.active_bindings.items() if active.enabled and key not in NEVER}
    # A modal's chain stops at the modal: the app's priority keys (F2, F9, F12) still work over it.
    keys |= {binding.key for _key, binding in app._bindings if binding.priority and binding.key not in NEVER}
    return sorted(keys)


def offers_a_way_on(app: App[Any]) -> bool:
    """A binding of the screen's own (not only the app's F2/F9) shown in the footer, or an input to type into
    that the attendant can see (a focused field hidden or off the screen is no way on)."""
    screen = app.screen
    focused = screen.focused
    if isinstance(focused, Input) and not focused.disabled and focused.region.area > 0:
        return True
    return any(
        active.binding.show and active.enabled and active.node is not app for active in screen.active_bindings.values()
    )


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Keys as the terminal driver delivers them, each one's messages handled before the next.

    ``Pilot.press`` (and ``pause()`` without a delay) waits for the process to look idle (CPU time against
    wall time), up to a second at a time; with the simulators polling in the same process it never looks
    idle, and a walk of a few hundred keys took minutes. The events are built as ``App._press_keys`` does.
    """
    app = pilot.app
    driver = app._driver
    assert driver is not None
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(name, name)))
        except KeyError:
            char = name if len(name) == 1 else None
        event = events.Key(name, char)
        event.set_sender(app)
        driver.send_message(event)
        await pilot.pause(0)
        await pilot.pause(0)  # what the key's handlers posted in turn (a focus move after ⏎, a pushed screen)


async def settle(pilot: Pilot[None]) -> None:
    """The key's messages handled, then a moment for a device round trip or worker it started, handled too."""
    await pilot.pause(0.02)
    await pilot.pause(0)


async def login(pilot: Pilot[None], app: StationApp, who: tuple[str, str, str] = ATTENDANT) -> None:
    """The demo attendant (or manager) logs in (again): whatever the monkey left in the fields is cleared first."""
    screen = app.screen
    assert isinstance(screen, LoginScreen)
    for selector in ("#pin", "#number"):
        field = screen.query_one(selector, Input)
        field.value = ""
    screen.query_one("#number", Input).focus()
    await pilot.pause(0)
    await press(pilot, *who[0], "enter", *who[2], "enter")
    for _ in range(100):
        if isinstance(app.screen, OverviewScreen):
            return
        await asyncio.sleep(0.02)
    number, pin = (screen.query_one(selector, Input).value for selector in ("#number", "#pin"))
    error = screen.query_one("#login-error").render()
    raise AssertionError(f"{who[1]} could not log in ({number!r}, {pin!r}: {error}): {stack_of(app)}")


async def back_to_forecourt(pilot: Pilot[None], app: StationApp) -> None:
    """Esc, at most eight times, reaches the forecourt (after a logout, the attendant logs in again)."""
    for pressed in range(9):
        if isinstance(app.screen, LoginScreen):
            await login(pilot, app)
        if isinstance(app.screen, OverviewScreen):
            note(f"esc ×{pressed} → forecourt")
            return
        if pressed < 8:
            await press(pilot, "escape")
            await settle(pilot)
    for _ in range(25):  # a screen may still be leaving
        if isinstance(app.screen, OverviewScreen):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"Esc ×8 did not lead back to the forecourt: {stack_of(app)}")


async def assert_healthy(app: StationApp, rig: SimulatedForecourt, errors: ErrorLog, step: str) -> None:
    assert not errors.records, f"after {step}: logged\n{errors.text()}\nscreens: {stack_of(app)}"
    assert app._exception is None, f"after {step}: Textual caught {app._exception!r}"
    assert app.is_running and app.return_code in (None, 0), f"after {step}: the app ended ({app.return_code})"
    for _ in range(25):  # a screen just pushed sets its keys when it mounts
        if offers_a_way_on(app):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError(f"after {step}: a dead screen, no binding of its own and no input: {stack_of(app)}")
    report = check_ledger(rig.core.ledger.engine, rig.core.ledger.audit_key)
    assert report.ok, f"after {step}: station db check fails\n{report.render()}"


T = TypeVar("T")


def pick(data: st.DataObject, items: Sequence[T], label: str) -> T:
    """One of ``items``, drawn as an index of a fixed range: what the screen offers depends on timing (a
    dispenser's report can move a step on between two keys), and a draw whose bounds followed it would make
    Hypothesis see the same choices differently (FlakyStrategyDefinition)."""
    return items[data.draw(st.integers(0, 255), label=label) % len(items)]


async def draw_and_press(data: st.DataObject, pilot: Pilot[None], app: StationApp) -> str:
    kinds = KINDS_IN_A_FIELD if isinstance(app.screen.focused, Input) else KINDS
    kind = pick(data, kinds, "kind")
    if kind == "offered":
        key = pick(data, offered_keys(app) or ["escape"], "key")
        await press(pilot, key)
        return key
    if kind == "enter":
        await press(pilot, "enter")
        return "enter"
    if kind == "plain":
        key = pick(data, PLAIN_KEYS, "key")
        await press(pilot, key)
        return key
    phrase = pick(data, phrases_for(app), "phrase")
    await press(pilot, *phrase)
    return repr(phrase)


async def start_station(directory: Path) -> SimulatedForecourt:
    runtime = open_station(f"sqlite:///{directory / 'station.db'}")
    seed_demo(runtime.ledger)
    rig = await start_forecourt(runtime, directory / "rig", speed=40.0, poll_interval=0.03, reader_poll=0.05)
    try:
        assert await rig.bus.wait_connected(20.0)
        assert await open_first_shift(rig.core) is not None
    except BaseException:
        await rig.stop()
        runtime.close()
        raise
    return rig


async def monkey(data: st.DataObject, directory: Path) -> None:
    rig = await start_station(directory)
    try:
        app = StationApp(rig.core, sim=rig, language="zh")
        with captured_errors() as errors:
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(pilot)
                await asyncio.wait_for(login(pilot, app), STEP_TIMEOUT)
                await assert_healthy(app, rig, errors, "login")
                on_login = 0
                for index in range(1, STEPS + 1):
                    key = await asyncio.wait_for(draw_and_press(data, pilot, app), STEP_TIMEOUT)
                    await asyncio.wait_for(settle(pilot), STEP_TIMEOUT)
                    note(f"{index:4d} {key:<12} {stack_of(app)}")
                    await assert_healthy(app, rig, errors, f"key {index} ({key})")
                    on_login = on_login + 1 if isinstance(app.screen, LoginScreen) else 0
                    if on_login >= LOGIN_KEYS:  # after Ctrl+L the monkey types at the login screen, then logs in
                        who = data.draw(st.sampled_from([ATTENDANT, MANAGER]), label="who")  # the desk needs one
                        note(f"     log in as {who[1]}")
                        await asyncio.wait_for(login(pilot, app, who), STEP_TIMEOUT)
                        on_login = 0
                    if index % ESC_EVERY == 0 or index == STEPS:
                        await asyncio.wait_for(back_to_forecourt(pilot, app), STEP_TIMEOUT)
                        await assert_healthy(app, rig, errors, f"Esc back to the forecourt after key {index}")
    finally:
        await rig.stop()
        rig.runtime.close()


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_monkey_keeps_the_terminal_usable_and_the_books_right(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(prefix="monkey-") as tmp:
        directory = Path(tmp)
        with pin_key_env(directory / "pin.key"):
            asyncio.run(monkey(data, directory))


# ------------------------------------------------------------------ the monkey's own checks, on a toy app


class _Bare(Screen[None]):
    """Only the app's keys in the footer: nothing of its own to press, nothing to type into."""


class _WithInput(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="field")


class _WithKey(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]  # noqa: RUF012 (Textual's class attribute)


class _Toy(App[None]):
    BINDINGS = [Binding("f2", "bell", "Language", priority=True)]  # noqa: RUF012


async def test_the_dead_screen_check_ignores_the_apps_own_keys() -> None:
    app = _Toy()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(_Bare())
        await pilot.pause()
        assert not offers_a_way_on(app)  # F2 alone is no way on
        await app.push_screen(_WithKey())
        await pilot.pause()
        assert offers_a_way_on(app)
        await app.push_screen(_WithInput())
        await pilot.pause()
        assert isinstance(app.screen.focused, Input) and offers_a_way_on(app)
        app.screen.focused.display = False  # a hidden field, though focused, is nowhere to type
        await pilot.pause()
        assert not offers_a_way_on(app)


def test_the_error_log_sees_what_the_station_logs_at_error() -> None:
    with captured_errors() as errors:
        logging.getLogger("station.tui.app").warning("not this")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("station.tui.app").exception("unexpected error in the terminal")
    logging.getLogger("station.tui.app").error("nor this: the monkey is not listening any more")
    assert len(errors.records) == 1
    assert errors.text() == "station.tui.app: unexpected error in the terminal\n  ValueError: boom"
