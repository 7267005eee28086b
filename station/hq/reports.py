"""Reports across stations, reduced from the events they sent: day, shift, card, stock and deliveries, timers.

A fill belongs to the business day of its shift's close (the station's own rule), so the day report joins each
``sale`` to its ``shift_close`` by shift id; it also sums the closes' own totals, and the two must agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

_SALES_BY_DAY = text(
    """SELECT e.station,
        count(*) AS fills,
        coalesce(sum((e.payload->>'quantity_centi')::bigint), 0)::bigint AS quantity_centi,
        coalesce(sum((e.payload->>'amount_fen')::bigint), 0) AS sales_fen,
        coalesce(sum((e.payload->>'amount_fen')::bigint) FILTER (WHERE e.payload->>'mode' = 'cash'), 0) AS cash_fen,
        coalesce(sum((e.payload->>'amount_fen')::bigint) FILTER (WHERE e.payload->>'mode' = 'card'), 0) AS card_fen,
        coalesce(sum((e.payload->>'amount_fen')::bigint) FILTER (WHERE e.payload->>'mode' = 'mobile'), 0) AS mobile_fen,
        coalesce(sum((e.payload->>'amount_fen')::bigint) FILTER (WHERE e.payload->>'mode' = 'internal'), 0)
            AS internal_fen
    FROM hq_events c
    JOIN hq_events e ON e.station = c.station AND e.kind = 'sale' AND e.payload->>'shift_id' = c.payload->>'shift_id'
    WHERE c.kind = 'shift_close' AND c.payload->>'business_date' = :d
    GROUP BY e.station"""
)

_CLOSES_BY_DAY = text(
    """SELECT station, count(*) AS shifts,
        coalesce(sum((payload->>'fill_count')::bigint), 0) AS fills,
        coalesce(sum((payload->>'sales_fen')::bigint), 0) AS sales_fen,
        coalesce(sum((payload->>'expected_cash_fen')::bigint), 0) AS expected_cash_fen,
        coalesce(sum((payload->>'counted_cash_fen')::bigint), 0) AS counted_cash_fen,
        coalesce(sum((payload->>'over_short_fen')::bigint), 0) AS over_short_fen
    FROM hq_events WHERE kind = 'shift_close' AND payload->>'business_date' = :d GROUP BY station"""
)


def day(conn: Connection, date: dt.date) -> list[dict[str, Any]]:
    """Per station: the day's fills from its sale events, beside the totals its shift closes declared."""
    d = date.isoformat()
    sales = {r.station: dict(r._mapping) for r in conn.execute(_SALES_BY_DAY, {"d": d})}
    closes = {r.station: dict(r._mapping) for r in conn.execute(_CLOSES_BY_DAY, {"d": d})}
    rows = []
    for station in sorted(set(sales) | set(closes)):
        s = sales.get(station, {})
        c = closes.get(station, {})
        rows.append(
            {
                "station": station,
                "fills": int(s.get("fills", 0)),
                "quantity_centi": int(s.get("quantity_centi", 0)),
                "sales_fen": int(s.get("sales_fen", 0)),
                "cash_fen": int(s.get("cash_fen", 0)),
                "card_fen": int(s.get("card_fen", 0)),
                "mobile_fen": int(s.get("mobile_fen", 0)),
                "internal_fen": int(s.get("internal_fen", 0)),
                "shifts": int(c.get("shifts", 0)),
                "closed_fills": int(c.get("fills", 0)),
                "closed_sales_fen": int(c.get("sales_fen", 0)),
                "over_short_fen": int(c.get("over_short_fen", 0)),
                "agree": int(s.get("sales_fen", 0)) == int(c.get("sales_fen", 0))
                and int(s.get("fills", 0)) == int(c.get("fills", 0)),
            }
        )
    return rows


def shifts(conn: Connection, date: dt.date) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """SELECT station, payload->>'shift_id' AS shift_id,
                (payload->>'fill_count')::bigint AS fills, (payload->>'sales_fen')::bigint AS sales_fen,
                (payload->>'expected_cash_fen')::bigint AS expected_cash_fen,
                (payload->>'counted_cash_fen')::bigint AS counted_cash_fen,
                (payload->>'over_short_fen')::bigint AS over_short_fen
            FROM hq_events WHERE kind = 'shift_close' AND payload->>'business_date' = :d ORDER BY station, seq"""
        ),
        {"d": date.isoformat()},
    ).mappings()
    return [dict(r) for r in rows]


def stock(conn: Connection, date: dt.date) -> list[dict[str, Any]]:
    """Per station: gas delivered (unloading events received that day, station clock) and gas sold that day."""
    rows = conn.execute(
        text(
            """SELECT station,
                coalesce(sum((payload->>'delivered_centi')::bigint) FILTER (WHERE kind = 'unloading'), 0)::bigint
                    AS delivered_centi,
                count(*) FILTER (WHERE kind = 'unloading') AS deliveries,
                coalesce(sum((payload->>'quantity_centi')::bigint) FILTER (WHERE kind = 'sale'), 0)::bigint
                    AS sold_centi
            FROM hq_events WHERE kind IN ('unloading', 'sale') AND at >= :start AND at < :end
            GROUP BY station ORDER BY station"""
        ),
        _utc_day(date),
    ).mappings()
    return [dict(r) for r in rows]


def timers(conn: Connection, date: dt.date) -> list[dict[str, Any]]:
    """Per station and attendant: fills and the service-timer breaches their shift closes counted."""
    rows = conn.execute(
        text(
            """SELECT station, t.key AS attendant,
                sum((t.value->>'fills')::bigint)::bigint AS fills,
                sum((t.value->>'breaches_30s')::bigint)::bigint AS breaches_30s,
                sum((t.value->>'breaches_60s')::bigint)::bigint AS breaches_60s
            FROM hq_events, jsonb_each(coalesce(payload->'timers', '{}'::jsonb)) AS t
            WHERE kind = 'shift_close' AND payload->>'business_date' = :d
            GROUP BY station, t.key ORDER BY station, t.key"""
        ),
        {"d": date.isoformat()},
    ).mappings()
    return [dict(r) for r in rows]


def _utc_day(date: dt.date) -> dict[str, dt.datetime]:
    start = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
    return {"start": start, "end": start + dt.timedelta(days=1)}


def card_use(conn: Connection, date: dt.date) -> list[dict[str, Any]]:
    """Per card and station: the fills paid by card on the business date (by their shift's close)."""
    rows = conn.execute(
        text(
            """SELECT e.payload->>'card_no' AS card_no, e.station, count(*) AS fills,
                coalesce(sum((e.payload->>'amount_fen')::bigint), 0)::bigint AS amount_fen
            FROM hq_events c
            JOIN hq_events e ON e.station = c.station AND e.kind = 'sale'
                AND e.payload->>'shift_id' = c.payload->>'shift_id'
            WHERE c.kind = 'shift_close' AND c.payload->>'business_date' = :d AND e.payload->>'mode' = 'card'
                AND e.payload->>'card_no' IS NOT NULL
            GROUP BY e.payload->>'card_no', e.station ORDER BY 1, 2"""
        ),
        {"d": date.isoformat()},
    ).mappings()
    return [dict(r) for r in rows]


_SYNC = text(
    """SELECT s.station, s.high_water,
        (SELECT count(*) FROM hq_events e WHERE e.station = s.station) AS events,
        (SELECT max(e.received_at) FROM hq_events e WHERE e.station = s.station) AS last_received,
        (SELECT count(*) FROM hq_events e WHERE e.station = s.station AND e.kind = 'sale'
            AND NOT EXISTS (SELECT 1 FROM hq_events c WHERE c.station = e.station AND c.kind = 'shift_close'
                            AND c.payload->>'shift_id' = e.payload->>'shift_id')) AS open_fills,
        (SELECT coalesce(sum((e.payload->>'amount_fen')::bigint), 0) FROM hq_events e
            WHERE e.station = s.station AND e.kind = 'sale'
            AND NOT EXISTS (SELECT 1 FROM hq_events c WHERE c.station = e.station AND c.kind = 'shift_close'
                            AND c.payload->>'shift_id' = e.payload->>'shift_id')) AS open_sales_fen
    FROM hq_stations s ORDER BY s.station"""
)


def sync(conn: Connection) -> list[dict[str, Any]]:
    """Per station, now: how far head office has its events, when the last came, and the sales of shifts still
    open (they count in a day once their shift closes)."""
    return [dict(r._mapping) for r in conn.execute(_SYNC)]
