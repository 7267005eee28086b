"""Invoices of a business day: the day's receipts (fills and recharges) by invoice state, and the requests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from station.config import STATION_TZ
from station.ledger.models import Fill, ReceiptJob
from station.ledger.models_invoices import Invoice, RechargeReceiptRow
from station.ledger.reports.sections import table, yuan
from station.ledger.services import Ledger
from station.ledger.shifts.values import business_day_bounds
from station.printouts.report import Cell, Report, Text, local_time

# A receipt's place in the day's count: its invoice's state, or "none" (not asked for yet, or never to be).
STATE_TEXT = {
    "issued": Text("已开票", "Invoiced"),
    "requested": Text("待开票", "Waiting for the platform"),
    "reversing": Text("红冲中", "Reversal pending"),
    "reversed": Text("已红冲", "Reversed"),
    "failed": Text("开票失败", "Refused by the platform"),
    "none": Text("未开票", "Not invoiced"),
}
_ORDER = ("issued", "requested", "reversing", "reversed", "failed", "none")


def invoice_day(ledger: Ledger, business_date: dt.date) -> dict[str, tuple[int, int]]:
    """Receipts of the day by invoice state: (count, amount in fen) per state of :data:`STATE_TEXT`."""
    start, end = business_day_bounds(business_date)
    with ledger._read() as session:
        receipts: dict[int, int] = {}
        fills = select(ReceiptJob.receipt_no, Fill.amount_fen).join(Fill, Fill.id == ReceiptJob.fill_id)
        for receipt_no, amount in session.execute(
            fills.where(ReceiptJob.created_at >= start, ReceiptJob.created_at < end)
        ):
            receipts[receipt_no] = amount
        recharges = select(RechargeReceiptRow.receipt_no, RechargeReceiptRow.amount_fen).where(
            RechargeReceiptRow.created_at >= start, RechargeReceiptRow.created_at < end
        )
        for receipt_no, amount in session.execute(recharges):
            receipts[receipt_no] = amount
        found = session.execute(select(Invoice.receipt_no, Invoice.state).where(Invoice.receipt_no.in_(list(receipts))))
        states: dict[int, str] = {receipt_no: state for receipt_no, state in found}
    counts: Counter[str] = Counter()
    sums: Counter[str] = Counter()
    for receipt_no, amount in receipts.items():
        state = states.get(receipt_no, "none")
        counts[state] += 1
        sums[state] += amount
    return {state: (counts[state], sums[state]) for state in _ORDER}


def invoice_report(ledger: Ledger, business_date: dt.date | None = None) -> Report:
    """The day's receipts invoiced and not yet invoiced, and the invoice requests made that day."""
    business_date = business_date or ledger.now().astimezone(STATION_TZ).date()
    by_state = invoice_day(ledger, business_date)
    start, end = business_day_bounds(business_date)
    with ledger._read() as session:
        requests = session.scalars(
            select(Invoice).where(Invoice.requested_at >= start, Invoice.requested_at < end).order_by(Invoice.id)
        ).all()
        rows: list[list[Cell]] = [
            [
                f"{inv.receipt_no:08d}",
                local_time(inv.requested_at),
                yuan(inv.amount_fen),
                yuan(inv.tax_fen),
                inv.buyer_name,
                STATE_TEXT[inv.state],
                inv.provider_invoice_no or "",
            ]
            for inv in requests
        ]
    summary = table(
        "receipts",
        Text("当日小票开票情况", "The day's receipts by invoice state"),
        (("state", "状态", "State"), ("count", "张数", "Receipts"), ("amount", "金额", "Amount")),
        [[STATE_TEXT[state], str(count), yuan(amount)] for state, (count, amount) in by_state.items()],
    )
    listed = table(
        "requests",
        Text("当日发票申请", "Invoice requests of the day"),
        (
            ("receipt", "小票号", "Receipt"),
            ("time", "时间", "Time"),
            ("amount", "价税合计", "Total"),
            ("tax", "税额", "Tax"),
            ("buyer", "购买方", "Buyer"),
            ("state", "状态", "State"),
            ("invoice", "发票号码", "Invoice No"),
        ),
        rows,
    )
    return Report(
        "invoices", Text("发票日报", "Invoices of the day"), business_date.isoformat(), ledger.now(), (summary, listed)
    )
