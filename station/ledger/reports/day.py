"""The day (日结): the sums of the shifts closed on a business date, and which shifts those are."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from station.config import STATION_TZ
from station.ledger.models import Shift, ShiftStatus
from station.ledger.reports.sections import (
    TIMER_COLUMNS,
    pairs,
    qty,
    table,
    timer_rows,
    yes_no,
    yuan,
)
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import business_day_bounds
from station.printouts.report import (
    Report,
    Text,
    local_time,
)


def day_report(ledger: Ledger, business_date: dt.date | None = None) -> Report:
    """The day (日结): the sums of the shifts closed on a business date (default: today, China time)."""
    desk = ShiftDesk(ledger)
    business_date = business_date or ledger.now().astimezone(STATION_TZ).date()
    day, recs = desk.day(business_date)  # each shift reconciled once, in the same read as the sums
    summary = pairs(
        "summary",
        Text("日结", "Day"),
        [
            (Text("营业日", "Business date"), business_date.isoformat()),
            (Text("已日结", "Day closed"), yes_no(day.closed)),
            (Text("日结人", "Closed by"), day.closed_by),
            (Text("日结时间", "Closed at"), local_time(day.closed_at)),
            (Text("班次数", "Shifts"), str(len(day.shift_ids))),
            (Text("未审核班次", "Shifts not signed off"), ", ".join(str(s) for s in day.unsigned_shift_ids)),
            (Text("加气笔数", "Fills"), str(day.fill_count)),
            (Text("加气量", "Quantity"), qty(day.quantity_centi)),
            (Text("销售额", "Sales"), yuan(day.sales_fen)),
            (Text("现金售气", "Cash sales"), yuan(day.cash_sales_fen)),
            (Text("卡售气", "Card sales"), yuan(day.card_sales_fen)),
            (Text("内部卡", "Internal cards"), yuan(day.internal_fills_fen)),
            (Text("现金充值", "Cash recharges"), yuan(day.recharges_fen)),
            (Text("工本费", "Fees"), yuan(day.fees_fen)),
            (Text("退款", "Refunds"), yuan(day.refunds_fen)),
            (Text("解款", "Drops"), yuan(day.drops_fen)),
            (Text("应有现金", "Expected cash"), yuan(day.expected_cash_fen)),
            (Text("实点现金", "Counted cash"), yuan(day.counted_cash_fen)),
            (Text("长短款", "Over (+) / short (−)"), yuan(day.over_short_fen)),
            (Text("泵码超限枪次", "Flagged nozzles"), str(day.flagged_nozzles)),
            (Text("未付加气", "Unpaid fills"), f"{day.unpaid_count} / {yuan(day.unpaid_fen)}"),
            (Text("备注", "Note"), day.note),
        ],
    )
    shifts = table(
        "shifts",
        Text("班次", "Shifts"),
        (
            ("shift", "班次号", "Shift"),
            ("opened", "接班", "Opened"),
            ("closed", "交班", "Closed"),
            ("sales", "销售额", "Sales"),
            ("expected", "应有现金", "Expected"),
            ("counted", "实点现金", "Counted"),
            ("over_short", "长短款", "Over/short"),
            ("flagged", "超限枪", "Flagged"),
            ("signed_off", "已审核", "Signed off"),
        ),
        [
            [
                str(r.shift_id),
                local_time(r.opened_at),
                local_time(r.closed_at),
                yuan(r.sales_fen),
                yuan(r.cash.expected_fen),
                yuan(r.cash.counted_fen),
                yuan(r.cash.over_short_fen),
                str(len(r.flagged_nozzles)),
                yes_no(r.signed_off_at is not None),
            ]
            for r in recs
        ],
    )
    timers = table("timers", Text("加气员计时", "Timers per attendant"), TIMER_COLUMNS, timer_rows(day.timers))
    sections = [summary, shifts, timers]
    company = ledger.company_use_on(business_date)
    if company:  # a station of a chain: its company-card fills, and the offline ones it took at its own risk
        modes = {"online": Text("总部联机", "held at head office"), "offline": Text("脱机受理", "taken offline")}
        sections.append(
            table(
                "company_cards",
                Text("一卡通 (脱机受理由总部同步后扣款)", "Company cards (offline ones debited on sync)"),
                (
                    ("card_no", "卡号", "Card"),
                    ("mode", "方式", "How"),
                    ("fills", "笔数", "Fills"),
                    ("open", "未结", "Open"),
                    ("amount", "金额", "Amount"),
                ),
                [[c, modes.get(m, m), str(n), str(o), yuan(f)] for c, m, n, o, f in company],
            )
        )
    return Report("day", Text("日结报表", "Day report"), business_date.isoformat(), ledger.now(), tuple(sections))


def shifts_on(ledger: Ledger, business_date: dt.date) -> list[int]:
    """Ids of the shifts closed on a business date (China time)."""
    start, stop = business_day_bounds(business_date)
    with ledger._read() as session:
        return list(
            session.scalars(
                select(Shift.id)
                .where(Shift.status == ShiftStatus.CLOSED, Shift.closed_at >= start, Shift.closed_at < stop)
                .order_by(Shift.id)
            )
        )
