"""A shift's receipts by invoice (数电发票): invoiced, asked for and not yet issued, and not invoiced — what the
shift reconciliation counts (a receipt is the shift's when its sale or recharge is)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.ledger.models import Fill, JournalEntry, ReceiptJob
from station.ledger.models_invoices import Invoice, RechargeReceiptRow
from station.ledger.shifts.values import ShiftInvoices

# An invoice's state, as the shift counts its receipt: issued; asked (the platform has not issued it, or refused
# it: someone must look); or none (never asked, or reversed: the receipt may be invoiced again).
_ASKED = ("requested", "reversing", "failed")


def shift_invoices(session: Session, shift_id: int) -> ShiftInvoices:
    receipts: dict[int, int] = {}
    fills = (
        select(ReceiptJob.receipt_no, Fill.amount_fen)
        .join(Fill, Fill.id == ReceiptJob.fill_id)
        .where(Fill.shift_id == shift_id)
    )
    recharges = (
        select(RechargeReceiptRow.receipt_no, RechargeReceiptRow.amount_fen)
        .join(JournalEntry, JournalEntry.id == RechargeReceiptRow.entry_id)
        .where(JournalEntry.shift_id == shift_id)
    )
    for query in (fills, recharges):
        for receipt_no, amount in session.execute(query):
            receipts[int(receipt_no)] = int(amount)
    states: dict[int, str] = {}
    if receipts:
        found = select(Invoice.receipt_no, Invoice.state).where(Invoice.receipt_no.in_(list(receipts)))
        states = {int(r): str(s) for r, s in session.execute(found)}
    counts = {"issued": [0, 0], "asked": [0, 0], "none": [0, 0]}
    for receipt_no, amount in receipts.items():
        state = states.get(receipt_no, "none")
        bucket = "issued" if state == "issued" else "asked" if state in _ASKED else "none"
        counts[bucket][0] += 1
        counts[bucket][1] += amount
    return ShiftInvoices(*counts["issued"], *counts["asked"], *counts["none"])
