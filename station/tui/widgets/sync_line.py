"""One line on the state of the line to head office (总部): what is not sent yet and since when; red once the
oldest unsent event is older than ``[hq] backlog_alert_s``. Empty when the station stands alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from station.i18n import Language, t


def sync_line(core: Any, lang: Language, now: dt.datetime | None = None) -> str:
    sync = getattr(core, "hq_sync", None)
    config = core.settings.hq
    if sync is None or config is None:
        return ""
    state = sync.state
    if state.unsent == 0:
        if state.line_up is False:  # nothing waits, but company cards are taken offline until it is back
            return f"[dark_orange]! {t('sync.down_idle', lang)}[/]"
        return f"[green]✓ {t('sync.ok', lang)}[/]" if state.line_up else ""
    now = now or dt.datetime.now(dt.UTC)
    oldest = state.oldest_at
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    minutes = int((now - oldest).total_seconds() // 60) if oldest else 0
    text = t("sync.backlog", lang, count=state.unsent, minutes=max(minutes, 0))
    if not state.line_up:
        text += " · " + t("sync.down", lang)
    if oldest is not None and (now - oldest).total_seconds() > config.backlog_alert_s:
        return f"[b red]✗ {text}[/]"
    return f"[dark_orange]! {text}[/]"
