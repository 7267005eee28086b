"""Reports built from the database (SPEC §6, issue 5): shift, day, per attendant, card statement, unpaid and
cleared fills, overrides and voids.

The builders here only read the books and fill a :class:`~station.printouts.report.Report`, plain values. Its
layout — text lines, CSV, the receipt printer's shift report — is in :mod:`station.printouts.report`, shared with
the printer; this module names those in ``__all__`` too, because the desk and the screens call them as
``reports.render_text``, ``reports.to_csv``….
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from station.config import STATION_TZ
from station.ledger.errors import NotFound
from station.ledger.journal import card_account, hold_account
from station.ledger.models import Account, AuditEvent, Fill, FillStatus, JournalEntry, Posting, Shift, ShiftStatus
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.reconcile import _fill_line
from station.ledger.shifts.values import AttendantTimers, BetweenShifts, FillLine, Reconciliation, business_day_bounds
from station.money import format_centi, format_yuan, round_half_up_div
from station.printouts.report import (
    Cell,
    Column,
    Lang,
    Report,
    Section,
    Text,
    as_report_lines,
    local_time,
    render_text,
    to_csv,
    to_printable,
)

# ---------------------------------------------------------------------------------------------- formatting

_ITEM = Column("item", Text("项目", "Item"))
_VALUE = Column("value", Text("数值", "Value"))
YES = Text("是", "yes")
NO = Text("否", "no")


def _pairs(key: str, title: Text, rows: Iterable[tuple[Text, Cell]]) -> Section:
    return Section(key, title, (_ITEM, _VALUE), tuple((label, value) for label, value in rows))


def _table(key: str, title: Text, columns: Sequence[tuple[str, str, str]], rows: Iterable[Sequence[Cell]]) -> Section:
    return Section(key, title, tuple(Column(k, Text(zh, en)) for k, zh, en in columns), tuple(tuple(r) for r in rows))


def yuan(fen: int | None) -> str:
    return "" if fen is None else format_yuan(fen)


def qty(centi: int | None) -> str:
    return "" if centi is None else format_centi(centi)


def permille(value: int) -> str:
    return f"{value // 10}.{value % 10}%"


def seconds(ms: int | None) -> str:
    if ms is None:
        return ""
    tenths = round_half_up_div(ms, 100)
    return f"{tenths // 10}.{tenths % 10}s"


def _yes_no(flag: bool) -> Text:
    return YES if flag else NO


# ---------------------------------------------------------------------------------------------- renderers


# ---------------------------------------------------------------------------------------------- sections

_FILL_COLUMNS = (
    ("fill", "编号", "Fill"),
    ("nozzle", "枪号", "Nozzle"),
    ("txn", "交易号", "Txn"),
    ("time", "结束时间", "Ended"),
    ("quantity", "气量", "Quantity"),
    ("price", "单价", "Price"),
    ("amount", "金额", "Amount"),
    ("attendant", "加气员", "Attendant"),
    ("status", "状态", "Status"),
    ("reason", "原因", "Reason"),
    ("by", "处理人", "Cleared by"),
)

_STATUS = {
    "unpaid": Text("未付", "unpaid"),
    "paid": Text("已付", "paid"),
    "cleared": Text("已核销", "cleared"),
}


def _fill_rows(fills: Iterable[FillLine]) -> list[list[Cell]]:
    return [
        [
            str(f.fill_id),
            f"{f.dispenser}/{f.nozzle}",
            str(f.transaction_number),
            local_time(f.ended_at),
            qty(f.quantity_centi),
            yuan(f.unit_price_fen),
            yuan(f.amount_fen),
            f.attendant,
            _STATUS.get(f.status, Text(f.status, f.status)),
            f.reason,
            f.cleared_by,
        ]
        for f in fills
    ]


_TIMER_COLUMNS = (
    ("attendant", "加气员", "Attendant"),
    ("fills", "笔数", "Fills"),
    ("quantity", "气量", "Quantity"),
    ("amount", "金额", "Amount"),
    ("flow_over", "超30秒", "Over 30 s"),
    ("flow_share", "超30秒占比", "Share over 30 s"),
    ("flow_avg", "平均停车到加气", "Avg engine-off to flow"),
    ("commit_over", "超1分钟", "Over 1 min"),
    ("commit_share", "超1分钟占比", "Share over 1 min"),
    ("commit_avg", "平均加完到结算", "Avg fill end to commit"),
)


def _timer_rows(timers: Iterable[AttendantTimers]) -> list[list[Cell]]:
    return [
        [
            t.attendant,
            str(t.fill_count),
            qty(t.quantity_centi),
            yuan(t.amount_fen),
            f"{t.flow_over}/{t.flow_timed}",
            permille(t.flow_over_permille),
            seconds(t.flow_average_ms),
            f"{t.commit_over}/{t.commit_timed}",
            permille(t.commit_over_permille),
            seconds(t.commit_average_ms),
        ]
        for t in timers
    ]


def _event_sections(rec: Reconciliation) -> list[Section]:
    columns = (
        ("time", "时间", "Time"),
        ("by", "操作人", "By"),
        ("what", "内容", "What"),
        ("amount", "金额", "Amount"),
        ("reason", "原因", "Reason"),
    )
    adjustment_columns = (*columns, ("approver", "审批人", "Approver"))
    return [
        _table(
            "cleared",
            Text("核销的未付加气", "Cleared unpaid fills"),
            _FILL_COLUMNS,
            _fill_rows(rec.cleared_fills),
        ),
        _table(
            "voids",
            Text("冲正", "Voids (reversals)"),
            columns,
            [[local_time(e.at), e.actor, e.summary, yuan(e.amount_fen), e.reason] for e in rec.reversals],
        ),
        _table(
            "overrides",
            Text("站长放行", "Overrides"),
            columns,
            [[local_time(e.at), e.actor, e.summary, yuan(e.amount_fen), e.reason] for e in rec.overrides],
        ),
        _table(
            "adjustments",
            Text("调账", "Card adjustments"),
            adjustment_columns,
            [[local_time(e.at), e.actor, e.summary, yuan(e.amount_fen), e.reason, e.approver] for e in rec.adjustments],
        ),
        _table(
            "price_changes",
            Text("调价", "Price changes"),
            (
                ("product", "品种", "Product"),
                ("level", "价格级别", "Level"),
                ("old", "原价", "Old"),
                ("new", "新价", "New"),
                ("effective", "生效时间", "Effective"),
                ("by", "调价人", "Set by"),
                ("reason", "原因", "Reason"),
            ),
            [
                [
                    p.product_code,
                    str(p.level),
                    yuan(p.old_fen),
                    yuan(p.new_fen),
                    local_time(p.effective_from),
                    p.set_by,
                    p.reason,
                ]
                for p in rec.price_changes
            ],
        ),
    ]


_PROBLEMS = {
    "totalizer_variance": Text("泵码差异超限", "totalizer variance"),
    "cash_over": Text("长款", "cash over"),
    "cash_short": Text("短款", "cash short"),
    "card_debit_mismatch": Text("卡扣款不符", "card debits differ"),
    "holds_open": Text("未解灰锁", "holds open"),
    "unpaid_fills": Text("未付加气", "unpaid fills"),
    "amount_mismatch": Text("金额不符", "amount mismatch"),
}


def _problems(codes: Sequence[str]) -> Text:
    if not codes:
        return Text("无", "none")
    texts = [_PROBLEMS.get(c, Text(c, c)) for c in codes]
    return Text("、".join(t.zh for t in texts), ", ".join(t.en for t in texts))


def reconciliation_report(rec: Reconciliation, generated_at: dt.datetime) -> Report:
    """The shift report from a reconciliation the caller already holds (the UI's screen, the printer)."""
    cash, cards = rec.cash, rec.cards
    between = rec.between_shifts or BetweenShifts((), 0, 0, 0, 0)
    summary = _pairs(
        "summary",
        Text("班次", "Shift"),
        [
            (Text("班次号", "Shift"), str(rec.shift_id)),
            (Text("状态", "Status"), Text("已交班", "closed") if rec.status == "closed" else Text("当班", "open")),
            (Text("接班时间", "Opened"), local_time(rec.opened_at)),
            (Text("接班人", "Opened by"), rec.opened_by),
            (Text("交班时间", "Closed"), local_time(rec.closed_at)),
            (Text("交班人", "Closed by"), rec.closed_by),
            (Text("营业日", "Business date"), rec.business_date.isoformat() if rec.business_date else ""),
            (Text("加气员", "Attendants"), "、".join(rec.attendants)),
            (Text("加气笔数", "Fills"), str(rec.fill_count)),
            (Text("加气量", "Quantity"), qty(rec.quantity_centi)),
            (Text("销售额", "Sales"), yuan(rec.sales_fen)),
            (Text("问题", "Problems"), _problems(rec.problems)),
            (Text("差异说明", "Variance note"), rec.note),
            (Text("接班说明", "Opening note"), rec.opening_note),
            (Text("审核人", "Signed off by"), rec.signed_off_by),
            (Text("审核时间", "Signed off"), local_time(rec.signed_off_at)),
            (Text("审计链头", "Audit chain head"), rec.audit_head),
        ],
    )
    typed = Text("(手抄)", "(typed)")
    nozzles = _table(
        "nozzles",
        Text("泵码核对", "Nozzles: totalizers vs fills"),
        (
            ("nozzle", "枪号", "Nozzle"),
            ("open_qty", "接班泵码", "Opening"),
            ("close_qty", "交班泵码", "Closing"),
            ("delta_qty", "泵码差", "Delta"),
            ("fills", "笔数", "Fills"),
            ("fills_qty", "记录气量", "Recorded"),
            ("variance_qty", "气量差异", "Variance"),
            ("delta_amount", "金额泵码差", "Amount delta"),
            ("fills_amount", "记录金额", "Recorded amount"),
            ("variance_amount", "金额差异", "Amount variance"),
            ("flag", "超限", "Flagged"),
            ("typed", "手抄", "Typed"),
            ("gap", "与上班交班差", "Gap from last close"),
            ("between", "交班间隙加气", "Between shifts"),
            ("unexplained", "未解释差", "Unexplained gap"),
        ),
        [
            [
                f"{n.dispenser}/{n.nozzle}",
                qty(n.opening_quantity_centi),
                qty(n.closing_quantity_centi),
                qty(n.delta_quantity_centi),
                str(n.fill_count),
                qty(n.fills_quantity_centi),
                qty(n.variance_quantity_centi),
                yuan(n.delta_amount_fen),
                yuan(n.fills_dispenser_amount_fen),
                yuan(n.variance_amount_fen),
                _yes_no(n.flagged),
                typed if n.opening_typed or n.closing_typed else "",
                qty(n.gap_from_previous_centi),
                qty(n.between_shifts_quantity_centi),
                qty(n.unexplained_gap_centi),
            ]
            for n in rec.nozzles
        ],
    )
    cash_section = _pairs(
        "cash",
        Text("现金", "Cash"),
        [
            (Text("上班清点", "Carried from last count"), yuan(rec.carried_cash_fen)),
            (Text("备用金", "Opening float"), yuan(cash.opening_float_fen)),
            (Text("备用金差异", "Float variance"), yuan(rec.float_variance_fen)),
            (Text("交班间隙现金", "Cash between shifts"), yuan(between.cash_fen)),
            (Text("现金售气", "Cash sales"), yuan(cash.cash_sales_fen)),
            (Text("现金售气笔数", "Cash sales (count)"), str(cash.cash_sale_count)),
            (Text("现金充值", "Cash recharges"), yuan(cash.recharges_fen)),
            (Text("工本费", "Fees"), yuan(cash.fees_fen)),
            (Text("退款", "Refunds"), yuan(cash.refunds_fen)),
            (Text("解款入保险柜", "Drops to the safe"), yuan(cash.drops_fen)),
            (Text("其他", "Other"), yuan(cash.other_fen)),
            (Text("应有现金", "Expected"), yuan(cash.expected_fen)),
            (Text("实点现金", "Counted"), yuan(cash.counted_fen)),
            (Text("长短款", "Over (+) / short (−)"), yuan(cash.over_short_fen)),
        ],
    )
    drops = _table(
        "drops",
        Text("解款记录", "Cash drops"),
        (("time", "时间", "Time"), ("amount", "金额", "Amount"), ("by", "操作人", "By")),
        [[local_time(d.at), yuan(d.amount_fen), d.attendant] for d in cash.drops],
    )
    count = _table(
        "count",
        Text("点钞", "Drawer count"),
        (("denomination", "面额", "Denomination"), ("pieces", "张数", "Pieces"), ("amount", "金额", "Amount")),
        [[yuan(d), str(n), yuan(d * n)] for d, n in cash.count],
    )
    cards_section = _pairs(
        "cards",
        Text("加气卡", "Cards"),
        [
            (Text("卡加气笔数", "Card fills"), str(cards.card_fill_count)),
            (Text("卡加气金额", "Card fills amount"), yuan(cards.card_fills_fen)),
            (Text("卡扣款", "Card debits"), yuan(cards.card_debits_fen)),
            (Text("扣款差异", "Debit variance"), yuan(cards.debit_variance_fen)),
            (Text("内部卡笔数", "Internal card fills"), str(cards.internal_fill_count)),
            (Text("内部卡金额", "Internal card amount"), yuan(cards.internal_fills_fen)),
            (Text("充值笔数", "Recharges"), str(cards.recharge_count)),
            (Text("充值金额", "Recharges amount"), yuan(cards.recharges_fen)),
            (Text("未解灰锁", "Holds open"), str(len(cards.open_holds))),
            (Text("灰锁金额", "Held amount"), yuan(cards.open_holds_fen)),
        ],
    )
    holds = _table(
        "holds",
        Text("未解灰锁", "Holds still open"),
        (
            ("hold", "编号", "Hold"),
            ("card", "卡号", "Card"),
            ("amount", "金额", "Amount"),
            ("nozzle", "枪号", "Nozzle"),
            ("time", "时间", "Placed"),
        ),
        [
            [str(h.hold_id), h.card_number, yuan(h.amount_fen), f"{h.dispenser}/{h.nozzle}", local_time(h.placed_at)]
            for h in cards.open_holds
        ],
    )
    timers = _table("timers", Text("加气员计时", "Timers per attendant"), _TIMER_COLUMNS, _timer_rows(rec.timers))
    unpaid = _table("unpaid", Text("未付加气", "Unpaid fills"), _FILL_COLUMNS, _fill_rows(rec.unpaid_fills))
    # What this shift adopted from the gap before it (fills and money with no shift open).
    gap = _pairs(
        "between_shifts",
        Text("交班间隙", "Between shifts"),
        [
            (Text("加气笔数", "Fills"), str(len(between.fills))),
            (Text("加气量", "Quantity"), qty(between.quantity_centi)),
            (Text("金额", "Amount"), yuan(between.amount_fen)),
            (Text("分录数", "Journal entries"), str(between.entry_count)),
            (Text("现金 (计入应有现金)", "Cash (in expected cash)"), yuan(between.cash_fen)),
        ],
    )
    gap_fills = _table(
        "between_shifts_fills", Text("交班间隙加气", "Fills between shifts"), _FILL_COLUMNS, _fill_rows(between.fills)
    )
    return Report(
        kind="shift",
        title=Text("交接班报表", "Shift report"),
        subject=f"#{rec.shift_id}",
        generated_at=generated_at,
        sections=(
            summary,
            nozzles,
            cash_section,
            drops,
            count,
            cards_section,
            holds,
            gap,
            gap_fills,
            timers,
            unpaid,
            *_event_sections(rec),
        ),
    )


# ---------------------------------------------------------------------------------------------- builders


def shift_report(ledger: Ledger, shift_id: int | None = None) -> Report:
    """A shift's reconciliation (default: the open shift, else the latest)."""
    return reconciliation_report(ShiftDesk(ledger).reconciliation(shift_id), ledger.now())


def day_report(ledger: Ledger, business_date: dt.date | None = None) -> Report:
    """The day (日结): the sums of the shifts closed on a business date (default: today, China time)."""
    desk = ShiftDesk(ledger)
    business_date = business_date or ledger.now().astimezone(STATION_TZ).date()
    day = desk.day_summary(business_date)
    recs = [desk.reconciliation(s) for s in day.shift_ids]
    summary = _pairs(
        "summary",
        Text("日结", "Day"),
        [
            (Text("营业日", "Business date"), business_date.isoformat()),
            (Text("已日结", "Day closed"), _yes_no(day.closed)),
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
    shifts = _table(
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
                _yes_no(r.signed_off_at is not None),
            ]
            for r in recs
        ],
    )
    timers = _table("timers", Text("加气员计时", "Timers per attendant"), _TIMER_COLUMNS, _timer_rows(day.timers))
    return Report(
        "day", Text("日结报表", "Day report"), business_date.isoformat(), ledger.now(), (summary, shifts, timers)
    )


def attendant_report(ledger: Ledger, *, shift_id: int | None = None, business_date: dt.date | None = None) -> Report:
    """Per attendant: fills, amounts, the share over 30 s and over 1 min, average durations.

    For a business date (the day's closed shifts) or a shift (default: the open one, else the latest).
    """
    desk = ShiftDesk(ledger)
    if business_date is not None:
        timers = desk.day_summary(business_date).timers
        subject = business_date.isoformat()
    else:
        rec = desk.reconciliation(shift_id)
        timers, subject = rec.timers, f"#{rec.shift_id}"
    section = _table("timers", Text("加气员计时", "Timers per attendant"), _TIMER_COLUMNS, _timer_rows(timers))
    return Report("attendants", Text("加气员报表", "Attendant report"), subject, ledger.now(), (section,))


def card_statement(
    ledger: Ledger, number: str, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Report:
    """A card's entries in a period with the running balance (held amounts included: a hold and its release
    net to nothing, a sale shows once)."""
    view = ledger.card(number=number)
    with ledger._read() as session:
        accounts = [
            a
            for a in session.scalars(
                select(Account.id).where(Account.code.in_((card_account(view.number), hold_account(view.number))))
            )
        ]
        if not accounts:
            raise NotFound("card_unknown", number=number)
        rows = session.execute(
            select(JournalEntry.id, JournalEntry.kind, JournalEntry.created_at, JournalEntry.memo, Posting.amount_fen)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(Posting.account_id.in_(accounts))
            .order_by(JournalEntry.id, Posting.id)
        ).all()
    nets: dict[int, int] = {}
    meta: dict[int, tuple[str, dt.datetime, str]] = {}
    for entry_id, kind, created_at, memo, amount in rows:
        nets[entry_id] = nets.get(entry_id, 0) - int(amount)  # liabilities: a credit raises the balance
        meta[entry_id] = (str(kind), created_at, str(memo))
    opening = 0
    balance = 0
    lines: list[list[Cell]] = []
    for entry_id, net in nets.items():
        kind, created_at, memo = meta[entry_id]
        if net == 0:
            continue
        if start is not None and created_at < start:
            opening += net
            balance += net
            continue
        if end is not None and created_at >= end:
            continue
        balance += net
        lines.append(
            [local_time(created_at), str(entry_id), _KINDS.get(kind, Text(kind, kind)), memo, yuan(net), yuan(balance)]
        )
    header = _pairs(
        "card",
        Text("卡", "Card"),
        [
            (Text("卡号", "Card"), view.number),
            (Text("持卡人", "Holder"), view.holder),
            (Text("卡类型", "Type"), view.card_type.value),
            (Text("状态", "Status"), view.status.value),
            (Text("期间", "Period"), f"{local_time(start) or '…'} – {local_time(end) or '…'}"),
            (Text("期初余额", "Opening balance"), yuan(opening)),
            (Text("期末余额", "Closing balance"), yuan(balance)),
            (Text("当前可用余额", "Available now"), yuan(view.balance_fen)),
            (Text("当前冻结", "Held now"), yuan(view.held_fen)),
            (Text("信用额度", "Credit limit"), yuan(view.credit_limit_fen)),
        ],
    )
    table = _table(
        "entries",
        Text("明细", "Entries"),
        (
            ("time", "时间", "Time"),
            ("entry", "凭证号", "Entry"),
            ("kind", "类型", "Kind"),
            ("memo", "摘要", "Memo"),
            ("amount", "金额", "Amount"),
            ("balance", "余额", "Balance"),
        ),
        lines,
    )
    return Report("card", Text("加气卡对账单", "Card statement"), view.number, ledger.now(), (header, table))


_KINDS = {
    "fill_sale": Text("加气", "fill"),
    "recharge": Text("充值", "recharge"),
    "refund": Text("退款", "refund"),
    "fee": Text("工本费", "fee"),
    "adjustment": Text("调账", "adjustment"),
    "reversal": Text("冲正", "reversal"),
    "card_transfer": Text("换卡转入/转出", "card transfer"),
    "hold": Text("灰锁", "hold"),
    "hold_release": Text("解锁", "hold release"),
}


def unpaid_report(ledger: Ledger, cleared_limit: int = 50) -> Report:
    """Fills not yet paid (now) and the latest fills a manager cleared, with who and why."""
    with ledger._read() as session:
        names = ShiftDesk._names(session)

        def who(attendant_id: int | None) -> str:
            return names.get(attendant_id, "—") if attendant_id is not None else "—"

        cleared_by: dict[int, str] = {}
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "unpaid_fill_cleared")):
            fill_id = json.loads(event.detail).get("fill")
            if isinstance(fill_id, int):
                cleared_by[fill_id] = who(event.actor_id)
        unpaid = [
            _fill_line(f, who)
            for f in session.scalars(select(Fill).where(Fill.status == FillStatus.UNPAID).order_by(Fill.id))
        ]
        cleared = [
            _fill_line(f, who, cleared_by=cleared_by.get(f.id, ""))
            for f in session.scalars(
                select(Fill).where(Fill.status == FillStatus.CLEARED).order_by(Fill.id.desc()).limit(cleared_limit)
            )
        ]
    return Report(
        "unpaid",
        Text("未付与核销加气", "Unpaid and cleared fills"),
        "",
        ledger.now(),
        (
            _table("unpaid", Text("未付加气", "Unpaid fills"), _FILL_COLUMNS, _fill_rows(unpaid)),
            _table("cleared", Text("核销的未付加气", "Cleared unpaid fills"), _FILL_COLUMNS, _fill_rows(cleared)),
        ),
    )


def overrides_report(ledger: Ledger, shift_id: int | None = None) -> Report:
    """A shift's overrides, voids (reversals), card adjustments, cleared fills and price changes."""
    rec = ShiftDesk(ledger).reconciliation(shift_id)
    return Report(
        "overrides",
        Text("放行与冲正", "Overrides and voids"),
        f"#{rec.shift_id}",
        ledger.now(),
        tuple(_event_sections(rec)),
    )


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


__all__ = [
    "Cell",
    "Column",
    "Lang",
    "Report",
    "Section",
    "Text",
    "as_report_lines",
    "attendant_report",
    "card_statement",
    "day_report",
    "overrides_report",
    "reconciliation_report",
    "render_text",
    "shift_report",
    "shifts_on",
    "to_csv",
    "to_printable",
    "unpaid_report",
]
