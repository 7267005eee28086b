"""The cells and sections several reports share: money, quantities, shares and durations as text; the fills,
timers and overrides-and-voids tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from station.ledger.shifts.values import AttendantTimers, FillLine, Reconciliation
from station.money import format_centi, format_yuan, round_half_up_div
from station.printouts.report import (
    Cell,
    Column,
    Section,
    Text,
    local_time,
)

_ITEM = Column("item", Text("项目", "Item"))
_VALUE = Column("value", Text("数值", "Value"))
YES = Text("是", "yes")
NO = Text("否", "no")


def pairs(key: str, title: Text, rows: Iterable[tuple[Text, Cell]]) -> Section:
    return Section(key, title, (_ITEM, _VALUE), tuple((label, value) for label, value in rows))


def table(key: str, title: Text, columns: Sequence[tuple[str, str, str]], rows: Iterable[Sequence[Cell]]) -> Section:
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


def yes_no(flag: bool) -> Text:
    return YES if flag else NO


FILL_COLUMNS = (
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


def fill_rows(fills: Iterable[FillLine]) -> list[list[Cell]]:
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


TIMER_COLUMNS = (
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


def timer_rows(timers: Iterable[AttendantTimers]) -> list[list[Cell]]:
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


def event_sections(rec: Reconciliation) -> list[Section]:
    columns = (
        ("time", "时间", "Time"),
        ("by", "操作人", "By"),
        ("what", "内容", "What"),
        ("amount", "金额", "Amount"),
        ("reason", "原因", "Reason"),
    )
    adjustment_columns = (*columns, ("approver", "审批人", "Approver"))
    return [
        table(
            "cleared",
            Text("核销的未付加气", "Cleared unpaid fills"),
            FILL_COLUMNS,
            fill_rows(rec.cleared_fills),
        ),
        table(
            "voids",
            Text("冲正", "Voids (reversals)"),
            columns,
            [[local_time(e.at), e.actor, e.summary, yuan(e.amount_fen), e.reason] for e in rec.reversals],
        ),
        table(
            "overrides",
            Text("站长放行", "Overrides"),
            columns,
            [[local_time(e.at), e.actor, e.summary, yuan(e.amount_fen), e.reason] for e in rec.overrides],
        ),
        table(
            "adjustments",
            Text("调账", "Card adjustments"),
            adjustment_columns,
            [[local_time(e.at), e.actor, e.summary, yuan(e.amount_fen), e.reason, e.approver] for e in rec.adjustments],
        ),
        table(
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
