"""The fuelling sequence screen's read-only panels as text: the eleven steps, the checklist of the step, and the
figures below it (card, cylinder problems, live fill, residual pressure, the sale and its receipt).

Functions of the sequence and the lane only, so the screen (``sequence.py``) keeps the keys and the inputs.
A checklist item the dispenser's report completed says so, and the residual pressure says where it came from
(issue 13): the attendant sees what was seen without pressing a key for it.
"""

from __future__ import annotations

from typing import Any

from station.core.lanes import Lane
from station.core.sequence import (
    CONNECT_ITEMS,
    DISCONNECT_ITEMS,
    ORDER,
    SAFETY_ITEMS,
    FuelingSequence,
    PaymentKind,
    Step,
)
from station.core.station import SettleResult
from station.i18n import Language, t
from station.money import format_centi, format_yuan
from station.tui.common import esc


def phrase(key: str, lang: Language, **params: Any) -> str:
    """The words to say are Chinese (the driver hears them); in English the gloss follows."""
    zh = t(key, "zh", **params)
    return zh if lang == "zh" else f"{zh}\n[i]{t(key, 'en', **params)}[/i]"


def steps_text(seq: FuelingSequence, lang: Language) -> str:
    """The eleven steps, the current one marked; a leak's stop marks where it ended."""
    lines = []
    current = ORDER.index(seq.step) if seq.step in ORDER else len(ORDER)
    stopped = ORDER.index(seq.leak_stopped_at) if seq.leak_stopped_at in ORDER else None
    for index, step in enumerate(ORDER):
        if step is Step.CARD and seq.payment is PaymentKind.CASH:
            mark, style = "–", "dim"
        elif stopped is not None and index >= stopped:  # a leak stopped it here: nothing after was done
            mark, style = ("✗", "b red") if index == stopped else ("·", "dim")
        elif index < current:
            mark, style = "✓", "green"
        elif index == current:
            mark, style = "▶", "b reverse"
        else:
            mark, style = "·", "dim"
        lines.append(f"[{style}]{mark} {t('step.' + step.value, lang)}[/]")
    if seq.step is Step.ABORTED:
        lines.append(f"[b red]✗ {t('step.aborted', lang)}[/]")
    return "\n".join(lines)


def residual_text(seq: FuelingSequence, lang: Language) -> str:
    """The residual pressure and where it came from: the dispenser's gauge, or typed from the cylinder's."""
    assert seq.residual_centi_mpa is not None
    source = t("pressure.typed" if seq.residual_typed else "pressure.from_dispenser", lang)
    return t("pressure.read", lang, pressure=format_centi(seq.residual_centi_mpa), source=source)


def items_text(seq: FuelingSequence, current: str | None, lang: Language) -> str:
    """The step's checklist: done, current, to come; what the dispenser reported is named as such."""
    items: tuple[str, ...]
    if seq.step is Step.SAFETY:
        items, done = SAFETY_ITEMS, seq.safety_done
    elif seq.step is Step.CONNECT:
        items, done = CONNECT_ITEMS, seq.connect_done
    elif seq.step is Step.DISCONNECT:
        items, done = DISCONNECT_ITEMS, seq.disconnect_done
    else:
        return ""
    out = []
    for item in items:
        mark = "[green]✓[/]" if item in done else ("[b]▶[/]" if item == current else "·")
        if item in seq.seen_items:
            label = t(f"item.{item}.seen", lang)
        elif item == "residual_pressure" and seq.residual_centi_mpa is not None:
            label = residual_text(seq, lang)
        else:
            label = t(f"item.{item}", lang)
        out.append(f"{mark} {label}")
    return "   ".join(out) if len(items) <= 2 else "\n".join(out)


def info_text(
    seq: FuelingSequence,
    lane: Lane,
    lang: Language,
    *,
    unit: str,
    card_view: str,
    problems: list[dict[str, Any]],
    settled: SettleResult | None,
) -> str:
    parts: list[str] = []
    if card_view:
        parts.append(card_view)
    if problems:
        parts.append("[b red]✗ " + t("err.cylinder_refused", lang, problems="") + "[/]")
        for problem in problems:
            parts.append(
                "[red]  · "
                + t("cyl." + problem["code"], lang, serial=problem.get("serial", ""), date=problem.get("date", ""))
                + "[/]"
            )
        parts.append(f"[b]F7[/b] {t('key.override', lang)} · [b]F8[/b] {t('key.abort', lang)}")
    # After the fill, its recorded figures; a restart leaves the dispenser's live ones at zero.
    fill = next((f for f in lane.unpaid if f.id == seq.fill_id), None) if seq.fill_id is not None else None
    if fill is not None and not lane.quantity:
        qty, amount, pressure = fill.quantity_centi, fill.amount_fen, fill.pressure_after_centi_mpa
    else:
        qty, amount, pressure = lane.quantity, lane.amount, lane.pressure
    if seq.step in (Step.FILLING, Step.AUTHORIZE, Step.DISCONNECT) or qty:
        live = t(
            "live", lang, qty=format_centi(qty), unit=unit, amount=format_yuan(amount), pressure=format_centi(pressure)
        )
        parts.append(f"[b]{live}[/b]")
    if seq.hold_fen and seq.step in (Step.FILLING, Step.DISCONNECT, Step.SETTLE):
        parts.append(t("card.held", lang, amount=format_yuan(seq.hold_fen)))
    if seq.residual_centi_mpa is not None and seq.step is Step.AUTHORIZE:  # at step 6 the checklist shows it
        parts.append(residual_text(seq, lang))
    if settled is not None:
        parts.extend(_settled_lines(settled, lang))
    return "\n".join(parts)


def _settled_lines(result: SettleResult, lang: Language) -> list[str]:
    parts: list[str] = []
    if result.change_fen is not None:
        parts.append(f"[b]{t('settle.change', lang, change=format_yuan(result.change_fen))}[/b]")
    if result.balance_fen is not None:
        parts.append(phrase("phrase.settle_card", lang, balance=format_yuan(result.balance_fen)))
        if result.low_balance:
            parts.append("[b dark_orange]! " + phrase("settle.low_balance", lang) + "[/]")
    if result.print_outcome is not None:
        ok = result.print_outcome.printed
        parts.append(
            "[green]✓ " + t("settle.printed", lang) + "[/]"
            if ok
            else "[b red]✗ " + t("settle.print_queued", lang, error=result.print_outcome.error or "") + "[/]"
        )
    parts.append(f"[b]{t('settle.receipt', lang)}[/b]")
    parts.append("\n".join(esc(line) for line in result.receipt_lines))
    return parts
