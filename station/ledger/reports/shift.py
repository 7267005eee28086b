"""A shift's report: the reconciliation laid out as sections (summary, nozzles, cash, cards, holds, the gap
between shifts, timers, unpaid fills, overrides and voids, complaints and callbacks outstanding)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from station.ledger.reports.sections import (
    FILL_COLUMNS,
    TIMER_COLUMNS,
    event_sections,
    fill_rows,
    pairs,
    qty,
    table,
    timer_rows,
    yes_no,
    yuan,
)
from station.ledger.services import Ledger
from station.ledger.shifts.desk import ShiftDesk
from station.ledger.shifts.values import BetweenShifts, Reconciliation
from station.printouts.report import (
    Report,
    Text,
    local_time,
)

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


PROVIDER_NAMES = {"wechat": Text("微信支付", "WeChat Pay"), "alipay": Text("支付宝", "Alipay")}


def reconciliation_report(rec: Reconciliation, generated_at: dt.datetime) -> Report:
    """The shift report from a reconciliation the caller already holds (the UI's screen, the printer)."""
    cash, cards = rec.cash, rec.cards
    between = rec.between_shifts or BetweenShifts((), 0, 0, 0, 0)
    summary = pairs(
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
    nozzles = table(
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
                yes_no(n.flagged),
                typed if n.opening_typed or n.closing_typed else "",
                qty(n.gap_from_previous_centi),
                qty(n.between_shifts_quantity_centi),
                qty(n.unexplained_gap_centi),
            ]
            for n in rec.nozzles
        ],
    )
    cash_section = pairs(
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
    drops = table(
        "drops",
        Text("解款记录", "Cash drops"),
        (("time", "时间", "Time"), ("amount", "金额", "Amount"), ("by", "操作人", "By")),
        [[local_time(d.at), yuan(d.amount_fen), d.attendant] for d in cash.drops],
    )
    count = table(
        "count",
        Text("点钞", "Drawer count"),
        (("denomination", "面额", "Denomination"), ("pieces", "张数", "Pieces"), ("amount", "金额", "Amount")),
        [[yuan(d), str(n), yuan(d * n)] for d, n in cash.count],
    )
    cards_section = pairs(
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
    mobile = table(
        "mobile",
        Text("移动支付", "Mobile payments"),
        (
            ("provider", "渠道", "Provider"),
            ("count", "笔数", "Sales"),
            ("sales", "收款", "Taken"),
            ("refunds", "退款", "Refunded"),
            ("net", "应到账", "To settle"),
        ),
        [
            [
                PROVIDER_NAMES.get(m.provider, Text(m.provider, m.provider)),
                str(m.sale_count),
                yuan(m.sales_fen),
                yuan(m.refunds_fen),
                yuan(m.net_fen),
            ]
            for m in rec.mobile
        ],
    )
    inv = rec.invoices
    invoices = pairs(
        "invoices",
        Text("发票 (本班小票)", "Invoices (this shift's receipts)"),
        [
            (Text("已开票张数", "Invoiced"), str(inv.issued_count)),
            (Text("已开票金额", "Invoiced amount"), yuan(inv.issued_fen)),
            (Text("已申请未开出张数", "Asked, not yet issued"), str(inv.asked_count)),
            (Text("已申请未开出金额", "Asked amount"), yuan(inv.asked_fen)),
            (Text("未开票张数", "Not invoiced"), str(inv.none_count)),
            (Text("未开票金额", "Not invoiced amount"), yuan(inv.none_fen)),
        ],
    )
    holds = table(
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
    timers = table("timers", Text("加气员计时", "Timers per attendant"), TIMER_COLUMNS, timer_rows(rec.timers))
    unpaid = table("unpaid", Text("未付加气", "Unpaid fills"), FILL_COLUMNS, fill_rows(rec.unpaid_fills))
    # What this shift adopted from the gap before it (fills and money with no shift open).
    gap = pairs(
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
    gap_fills = table(
        "between_shifts_fills", Text("交班间隙加气", "Fills between shifts"), FILL_COLUMNS, fill_rows(between.fills)
    )
    service = pairs(
        "service",
        Text("投诉与回访", "Complaints and callbacks"),
        [
            (Text("投诉超时未答复", "Complaints overdue"), str(rec.service.complaints_overdue)),
            (Text("待回访", "Callbacks due"), str(rec.service.callbacks_due)),
            (Text("回访超时", "Callbacks overdue"), str(rec.service.callbacks_overdue)),
        ],
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
            mobile,
            invoices,
            holds,
            gap,
            gap_fills,
            timers,
            unpaid,
            *event_sections(rec),
            service,
        ),
    )


def shift_report(ledger: Ledger, shift_id: int | None = None) -> Report:
    """A shift's reconciliation (default: the open shift, else the latest)."""
    return reconciliation_report(ShiftDesk(ledger).reconciliation(shift_id), ledger.now())
