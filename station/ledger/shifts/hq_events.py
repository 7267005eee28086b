"""A shift's close and a day's close as head office hears of them (docs/protocols/hq_sync.md): the totals the
station's own reconciliation and day report show, field by field, so head office's figures equal the station's."""

from __future__ import annotations

from typing import Any

from station.ledger.shifts.values import AttendantTimers, DaySummary, Reconciliation


def _timers(timers: tuple[AttendantTimers, ...]) -> dict[str, dict[str, int]]:
    return {
        t.attendant: {"fills": t.fill_count, "breaches_30s": t.flow_over, "breaches_60s": t.commit_over} for t in timers
    }


def shift_close_payload(rec: Reconciliation) -> dict[str, Any]:
    cash, cards = rec.cash, rec.cards
    return {
        "shift_id": rec.shift_id,
        "business_date": rec.business_date.isoformat() if rec.business_date else None,
        "fill_count": rec.fill_count,
        "quantity_centi": rec.quantity_centi,
        "sales_fen": rec.sales_fen,
        "cash_sales_fen": cash.cash_sales_fen,
        "card_sales_fen": cards.card_fills_fen,
        "mobile_sales_fen": sum(m.sales_fen for m in rec.mobile),
        "internal_fills_fen": cards.internal_fills_fen,
        "recharges_fen": cash.recharges_fen,
        "fees_fen": cash.fees_fen,
        "refunds_fen": cash.refunds_fen,
        "drops_fen": cash.drops_fen,
        "expected_cash_fen": cash.expected_fen,
        "counted_cash_fen": cash.counted_fen,
        "over_short_fen": cash.over_short_fen,
        "timers": _timers(rec.timers),
    }


def day_close_payload(day: DaySummary) -> dict[str, Any]:
    return {
        "business_date": day.business_date.isoformat(),
        "shift_ids": list(day.shift_ids),
        "fill_count": day.fill_count,
        "quantity_centi": day.quantity_centi,
        "sales_fen": day.sales_fen,
        "cash_sales_fen": day.cash_sales_fen,
        "card_sales_fen": day.card_sales_fen,
        "internal_fills_fen": day.internal_fills_fen,
        "recharges_fen": day.recharges_fen,
        "fees_fen": day.fees_fen,
        "refunds_fen": day.refunds_fen,
        "drops_fen": day.drops_fen,
        "expected_cash_fen": day.expected_cash_fen,
        "counted_cash_fen": day.counted_cash_fen,
        "over_short_fen": day.over_short_fen,
        "timers": _timers(day.timers),
    }
