"""Head office's pull applied at the station: its lists as of a version replace ours in one transaction, never
half applied; an older or equal version changes nothing. The card step reads the blacklist (cards.py); price
schedules are kept as rows to apply when due (hq_prices.py)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

from station.ledger.hq_prices import keep_schedules
from station.ledger.journal import LedgerCore
from station.ledger.models_company_cards import CompanyMove
from station.ledger.models_hq_pull import HqBalance, HqBlacklist, HqCardRule, HqPull


class HqPulls(LedgerCore):
    def hq_version(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(HqPull.version).where(HqPull.id == 1)) or 0)

    def apply_hq_pull(self, pulled: dict[str, Any]) -> bool:
        """True when the pull was newer than what the station holds and was applied."""
        with self._tx() as session:
            state = session.get(HqPull, 1, with_for_update=True)
            if state is None:
                state = HqPull(id=1, version=0, prices="[]")
                session.add(state)
            if int(pulled["version"]) <= state.version:
                return False
            # A delta: the cards changed since our version (each named in balances), their rows replaced.
            changed = {
                str(i["card_no"])[:32] for key in ("balances", "blacklist", "card_rules") for i in pulled.get(key, [])
            }
            for model in (HqBlacklist, HqCardRule, HqBalance):
                session.execute(delete(model).where(model.card_no.in_(changed)))
            session.flush()
            for item in pulled.get("blacklist", []):
                session.add(HqBlacklist(card_no=str(item["card_no"])[:32], reason=str(item.get("reason", ""))[:40]))
            for item in pulled.get("card_rules", []):
                limit = item.get("daily_limit_fen")
                plates = json.dumps([str(p) for p in item.get("plates", [])], ensure_ascii=False)
                rule = HqCardRule(card_no=str(item["card_no"])[:32], plates=plates)
                rule.daily_limit_fen = None if limit is None else int(limit)
                session.add(rule)
            for item in pulled.get("balances", []):
                record = int(item.get("record_fen", item["balance_fen"]))  # the balance of record, holds aside
                session.add(HqBalance(card_no=str(item["card_no"])[:32], balance_fen=record))
            high_water = int(pulled.get("high_water", 0))
            if high_water > state.high_water:
                # Head office has taken these in: its balances include them now.
                state.high_water = high_water
                session.execute(delete(CompanyMove).where(CompanyMove.seq <= high_water))
            keep_schedules(session, list(pulled.get("prices") or []), self.now())
            state.version = int(pulled["version"])
            return True
