"""A company card's hold (一卡通) at step 7: placed at head office while the line is up, else accepted offline up
to the station's limit per card and day. Head office's answer is the final word on the balance; no answer within
``hold_timeout_seconds`` is taken as the line being down, and the sync worker is told so, so the next card does
not wait for it too. What the hold settles to reaches head office through the outbox (ledger/company_cards.py).
"""

from __future__ import annotations

import logging

from station.core.base import CoreBase
from station.core.lanes import CoreRefused
from station.core.sequence import FuelingSequence
from station.hqlink.client import CardRefused, LineDown, Refused
from station.ledger.cards import CardView
from station.ledger.company_cards import OFFLINE, ONLINE, CompanyHoldPlan, CompanyStanding
from station.money import format_yuan

log = logging.getLogger(__name__)

_KNOWN_REFUSALS = ("blocked", "insufficient", "unknown", "daily_limit")


class CompanyHolds(CoreBase):
    async def _company_standing(self, seq: FuelingSequence) -> CompanyStanding | None:
        """The card's standing when it is a company card and the station has a head office; else None."""
        if self.settings.hq is None or not seq.card_number:
            return None
        return await self._db(self.ledger.company_standing, seq.card_number)

    async def _refuse_if_offline_spent(self, view: CardView) -> None:
        """At the card step: a company card whose offline allowance today is used, while the line is known down,
        is refused now, not after the connection at step 7."""
        sync, config = self.hq_sync, self.settings.hq
        if not view.company or sync is None or config is None or sync.state.line_up is not False:
            return
        standing = await self._db(self.ledger.company_standing, view.number)
        if standing is not None and standing.offline_today_fen >= config.offline_card_limit_fen:
            raise CoreRefused("card_offline_limit", limit_fen=config.offline_card_limit_fen, left_fen=0)

    async def _company_hold(
        self, seq: FuelingSequence, standing: CompanyStanding, hold_fen: int, *, fill_up: bool
    ) -> tuple[CompanyHoldPlan, int]:
        """Where the hold is placed and for how much (a fill-up is cut to what the limits leave; a fixed preset
        over them is refused, saying what is left)."""
        config = self.settings.hq
        assert config is not None
        if standing.daily_limit_fen is not None:
            hold_fen = self._within(hold_fen, standing.daily_limit_fen - standing.used_today_fen, fill_up, "daily")
        plan = CompanyHoldPlan(f"{self.settings.station.code}:{seq.sequence_id}", ONLINE)
        sync = self.hq_sync
        if sync is not None and sync.state.line_up is not False:
            try:
                await sync.office.place_hold(
                    standing.card_no, plan.hold_key, hold_fen, timeout_s=config.hold_timeout_seconds
                )
                return plan, hold_fen
            except CardRefused as exc:
                if exc.reason in _KNOWN_REFUSALS:
                    raise CoreRefused(f"hq_card_{exc.reason}") from None
                raise CoreRefused("hq_card_refused", reason=exc.reason) from None
            except (LineDown, Refused) as exc:
                log.warning("company card hold at head office failed (%s): offline", exc)
                sync.state.line_up, sync.state.last_error = False, str(exc)
        left = config.offline_card_limit_fen - standing.offline_today_fen
        hold_fen = self._within(hold_fen, left, fill_up, "offline")
        card = "****" + standing.card_no[-4:]
        amount, rest = format_yuan(hold_fen), format_yuan(left - hold_fen)
        self.notice("card.offline_accepted", "warning", card=card, amount=amount, left=rest)
        return CompanyHoldPlan(plan.hold_key, OFFLINE), hold_fen

    def _within(self, hold_fen: int, left_fen: int, fill_up: bool, limit: str) -> int:
        config = self.settings.hq
        assert config is not None
        if left_fen <= 0 or (not fill_up and hold_fen > left_fen):
            if limit == "daily":
                raise CoreRefused("card_daily_limit_left", left_fen=max(left_fen, 0))
            raise CoreRefused("card_offline_limit", limit_fen=config.offline_card_limit_fen, left_fen=max(left_fen, 0))
        return min(hold_fen, left_fen)

    async def _company_hold_abandoned(self, plan: CompanyHoldPlan, card_no: str) -> None:
        """The local hold could not be written after head office placed its own: give head office's back now
        (if the line fails here too, it is logged, and head office's expiry sweep gives the hold back)."""
        sync, config = self.hq_sync, self.settings.hq
        if plan.mode != ONLINE or sync is None or config is None:
            return
        try:
            await sync.office.release_hold(card_no, plan.hold_key, timeout_s=config.hold_timeout_seconds)
        except (LineDown, Refused, CardRefused) as exc:
            log.error("head office's hold %s on %s not given back: %s", plan.hold_key, card_no, exc)
