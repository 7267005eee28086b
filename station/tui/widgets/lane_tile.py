"""One forecourt tile per nozzle: state or sequence step, warnings, timers, live figures.

At 80×24 a tile has about seven lines. When they do not all fit, the less important ones go first (pressure,
then the figures, then timers); warnings are kept and come right after the state. Every kind of warning is
one entry of :func:`warning_lines`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from station.core.lanes import NozzleState
from station.core.station import Lane
from station.core.timers import ServiceTimer, TimerLevel
from station.i18n import CATALOGUE, Language, t
from station.money import format_centi, format_yuan
from station.tui.common import app_of, esc

NOZZLE_KEYS = {
    NozzleState.IDLE: "nozzle.idle",
    NozzleState.NOZZLE_LIFTED: "nozzle.lifted",
    NozzleState.AUTHORIZED: "nozzle.authorized",
    NozzleState.FILLING: "nozzle.filling",
    NozzleState.FINISHED: "nozzle.finished",
    NozzleState.STOPPED: "nozzle.stopped",
    NozzleState.FAULT: "nozzle.fault",
    NozzleState.OFFLINE: "nozzle.offline",
}

TIMER_STYLE = {
    TimerLevel.GREEN: ("green", "●"),
    TimerLevel.AMBER: ("dark_orange", "!"),
    TimerLevel.RED: ("red", "✗"),
    TimerLevel.STOPPED_OK: ("green", "✓"),
    TimerLevel.STOPPED_LATE: ("red", "✗"),
}


def timer_text(level: TimerLevel, elapsed: float | None, limit: int, key: str, lang: Language) -> str:
    """Colour always comes with words or symbols: ✓ on time, ! amber, ✗ LATE."""
    if elapsed is None:
        return ""
    label = t(key, lang, elapsed=int(elapsed), limit=limit)
    colour, mark = TIMER_STYLE.get(level, ("white", ""))
    if level in (TimerLevel.RED, TimerLevel.STOPPED_LATE):
        mark = f"{mark} {t('timer.late', lang)}"
    return f"[bold {colour}]{mark} {label}[/]"


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def tile_timer(timer: ServiceTimer, now: float, key: str, lang: Language) -> str:
    """ "结算 0:25/1:00" while it runs (or when it ended late); nothing once it stopped in time."""
    level = timer.level(now)
    elapsed = timer.elapsed(now)
    if elapsed is None or level is TimerLevel.STOPPED_OK:
        return ""
    label = t(key, lang, clock=f"{clock(elapsed)}/{clock(timer.limit_s)}")
    colour, mark = TIMER_STYLE.get(level, ("white", ""))
    if level in (TimerLevel.RED, TimerLevel.STOPPED_LATE):
        mark = f"{mark} {t('timer.late', lang)}"
    return f"[bold {colour}]{mark} {label}[/]"


def warning_lines(lane: Lane, lang: Language, link_text: str = "") -> list[str]:
    """Every warning a tile shows, most urgent first; a new kind of warning is one more entry here."""
    lines: list[str] = []
    if not lane.link_up:
        lines.append(f"[b red]✗ {esc(link_text or t('lane.link_down', lang))}[/]")
    if lane.leak_locked:
        lines.append(f"[b red]{t('lane.leak_locked', lang)}[/]")
    if lane.estopped:
        lines.append(f"[b red]⛔ {t('tile.estop', lang)}[/]")
    if lane.alarm and not (lane.leak_locked and lane.alarm == "LEAK"):  # the lock line says it already
        key = f"alarm.{lane.alarm}"
        lines.append(f"[b red]⚠ {t(key, lang) if key in CATALOGUE else esc(lane.alarm)}[/]")
    if lane.unpaid:
        total = sum(f.amount_fen for f in lane.unpaid)
        lines.append(f"[b red]⚠ {t('lane.unpaid', lang, count=len(lane.unpaid), amount=format_yuan(total))}[/]")
    return lines


@dataclass(frozen=True)
class TileLine:
    markup: str
    rank: int  # 0 is kept longest


def fit(lines: list[TileLine], width: int, height: int) -> list[str]:
    """Drop the least important lines (highest rank, last first) until the rest fit the rows there are."""

    def rows(line: TileLine) -> int:
        cells = cell_len(Text.from_markup(line.markup).plain)
        return max(1, -(-cells // max(1, width)))

    kept = list(lines)
    while len(kept) > 1 and sum(rows(line) for line in kept) > height:
        worst = max(kept, key=lambda line: (line.rank, kept.index(line)))
        if worst.rank == 0:
            break
        kept.remove(worst)
    return [line.markup for line in kept]


class LaneTile(Static):
    DEFAULT_CSS = """
    LaneTile { height: 100%; border: round $primary; padding: 0 1; overflow: hidden; }
    LaneTile.selected { border: double $accent; background: $boost; }
    LaneTile.alarm { border: heavy $error; }
    """

    def __init__(self, key: tuple[int, int]) -> None:
        super().__init__(id=f"lane-{key[0]}-{key[1]}")
        self.lane_key = key

    def lines(self) -> list[TileLine]:
        app = app_of(self)
        lang = app.language
        lane = app.core.lane(self.lane_key)
        unit = app.core.settings.station.sale_unit
        name = t("lane.name", lang, d=lane.dispenser, n=lane.nozzle)
        state_key = NOZZLE_KEYS.get(lane.state, "nozzle.unknown") if lane.state is not None else "nozzle.unknown"
        state = t(state_key, lang)
        out = [TileLine(f"[b]▶ {name}[/b]" if self.has_class("selected") else f"[b]{name}[/b]", 0)]
        seq = lane.sequence
        running = seq is not None and not seq.finished
        if seq is not None and running:
            # The sequence's own step: a hung-up nozzle at step 10 is settling, not idle.
            step = t("step." + seq.step.value, lang)
            shown = f"[b]{t('lane.in_sequence', lang, step=step)}[/b]"
            if lane.state not in (None, NozzleState.IDLE):
                shown += f" · {state}"
            out.append(TileLine(shown, 0))
        else:
            out.append(TileLine(state, 0))
        out += [TileLine(line, 0) for line in warning_lines(lane, lang, app.core.link_text(lang))]
        if seq is not None and running:
            now = app.core.monotonic()
            for timer, key in ((seq.engine_timer, "tile.timer.engine"), (seq.settle_timer, "tile.timer.settle")):
                text = tile_timer(timer, now, key, lang)
                if text:
                    out.append(TileLine(text, 1))
        out.append(
            TileLine(
                f"{t('lane.qty', lang)} {format_centi(lane.quantity)} {unit}  "
                f"{t('lane.amount', lang)} ¥{format_yuan(lane.amount)}",
                2,
            )
        )
        out.append(TileLine(f"{t('lane.pressure', lang)} {format_centi(lane.pressure)} MPa", 3))
        return out

    def refresh_lane(self) -> None:
        lane = app_of(self).core.lane(self.lane_key)
        size = self.content_size
        width, height = (size.width, size.height) if size.height > 0 else (36, 7)
        self.set_class(bool(lane.alarm) or lane.estopped or lane.leak_locked, "alarm")
        self.update("\n".join(fit(self.lines(), width, height)))
