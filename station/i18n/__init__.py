"""Every user-visible string, in Chinese and English, from one catalogue made of one section per area.

Phrases the attendant says aloud come from the service standards (seed 002): they are shown in Chinese in
both languages, with an English gloss when the UI is English, because the driver hears Chinese.

Each module here holds one area's strings as ``key -> (zh, en)``; they join one catalogue on import, and a
key defined in two areas stops the import (``tests/test_i18n.py`` checks both languages and every key used).
"""

from __future__ import annotations

from typing import Any, Literal

from station.i18n.app import APP
from station.i18n.callbacks import CALLBACKS
from station.i18n.cards import CARDS
from station.i18n.charts import CHARTS
from station.i18n.complaints import COMPLAINTS
from station.i18n.desk import DESK
from station.i18n.devices import DEVICES
from station.i18n.entry import ENTRY
from station.i18n.hq import HQ
from station.i18n.invoices import INVOICES
from station.i18n.locks import LOCKS
from station.i18n.payments import PAYMENTS
from station.i18n.refusals import REFUSALS
from station.i18n.screens import SCREENS
from station.i18n.sequence import SEQUENCE
from station.i18n.served import SERVED
from station.i18n.unloading import UNLOADING

Language = Literal["zh", "en"]

SECTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "app": APP,
    "sequence": SEQUENCE,
    "refusals": REFUSALS,
    "devices": DEVICES,
    "cards": CARDS,
    "desk": DESK,
    "entry": ENTRY,
    "locks": LOCKS,
    "screens": SCREENS,
    "unloading": UNLOADING,
    "invoices": INVOICES,
    "complaints": COMPLAINTS,
    "callbacks": CALLBACKS,
    "payments": PAYMENTS,
    "hq": HQ,
    "served": SERVED,
    "charts": CHARTS,
}


def _merged() -> dict[str, tuple[str, str]]:
    catalogue: dict[str, tuple[str, str]] = {}
    for name, section in SECTIONS.items():
        overlap = set(section) & set(catalogue)
        if overlap:
            raise ValueError(f"catalogue keys defined twice ({name}): {sorted(overlap)[:5]}")
        catalogue.update(section)
    return catalogue


CATALOGUE: dict[str, tuple[str, str]] = _merged()


def t(key: str, lang: Language = "zh", **params: Any) -> str:
    """Look up ``key`` in ``lang`` and fill in ``params``; an unknown key shows itself, never crashes."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[0] if lang == "zh" else entry[1]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def error_text(code: str, lang: Language = "zh", **params: Any) -> str:
    key = f"err.{code}"
    if key in CATALOGUE:
        return t(key, lang, **params)
    return t("err.unexpected", lang, detail=code)
