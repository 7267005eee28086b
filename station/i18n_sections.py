"""Catalogue sections of feature modules (unloading log, manager's desk), merged into station.i18n."""

from __future__ import annotations

SECTIONS: list[dict[str, tuple[str, str]]] = []
