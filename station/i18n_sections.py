"""Catalogue sections of feature modules (unloading log, manager's desk), merged into station.i18n."""

from __future__ import annotations

from station.i18n_cards import CARDS
from station.i18n_desk import DESK
from station.i18n_entry import ENTRY
from station.i18n_locks import LOCKS
from station.i18n_screens import SCREENS
from station.i18n_unloading import UNLOADING

SECTIONS: list[dict[str, tuple[str, str]]] = [UNLOADING, DESK, CARDS, ENTRY, LOCKS, SCREENS]
