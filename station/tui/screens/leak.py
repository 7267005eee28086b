"""What the sequence screen says when a leak stopped its fill: the phrase to say, what happened, what to do."""

from __future__ import annotations

from station.core.sequence import FuelingSequence, Step
from station.core.station import Lane
from station.i18n import Language, t
from station.money import format_centi, format_yuan
from station.tui.common import esc


def leak_stopped(seq: FuelingSequence) -> bool:
    return seq.step is Step.ABORTED and seq.leak_stopped_at is not None


def leak_texts(seq: FuelingSequence, lane: Lane, lang: Language) -> tuple[str, str]:
    """The sequence screen after a leak stopped it: what to say, and what happened and what to do now."""
    label = f"{lane.dispenser}/{lane.nozzle}"
    zh = t("phrase.leak", "zh")
    say = zh if lang == "zh" else f"{zh}\n[i]{t('phrase.leak', 'en')}[/i]"
    parts = [f"[b red]⚠ {t('leak.stopped_title', lang)}[/]", t("leak.stopped_what", lang, lane=label)]
    parts.append(esc(t("leak.stopped_do", lang)))
    fill = next((f for f in lane.unpaid if f.id == seq.fill_id), None)
    if fill is not None:
        parts.append(
            t(
                "leak.stopped_unpaid",
                lang,
                qty=format_centi(fill.quantity_centi),
                unit=fill.unit,
                amount=format_yuan(fill.amount_fen),
            )
        )
    parts.append(f"[b]{t('leak.stopped_back', lang)}[/b]")
    return say, "\n".join(parts)
