"""The invoice day report: each receipt of the day counted once under its invoice state, amounts summed."""

from __future__ import annotations

import datetime as dt

from station.ledger.invoice_views import Buyer
from station.ledger.reports.invoices import invoice_day, invoice_report
from station.ledger.services import Ledger
from station.printouts.report import render_text
from tests.ledger.helpers import card, record, staff


def test_receipts_of_the_day_by_invoice_state(ledger: Ledger) -> None:
    manager, attendant = staff(ledger, shift=True)
    sales = []
    for txn, quantity in ((1, 1000), (2, 2000), (3, 3000)):
        fill = ledger.record_fill(record(txn, quantity), attendant=attendant)
        sales.append((ledger.settle_cash(attendant, fill.id, fill.amount_fen).receipt_no, fill.amount_fen))
    recharge = ledger.recharge(attendant, card(ledger, manager, balance=0), 10_000)
    (r1, a1), (r2, a2), (_, a3) = sales
    issued = ledger.request_invoice(attendant, r1, a1, Buyer("东营市运输有限公司", "91350100M000100Y43"))
    ledger.invoice_issued(issued.request_no, "26370000000000000001")
    ledger.request_invoice(attendant, r2, a2, Buyer("张三"))

    day = dt.date(2026, 11, 21)  # the fixture's clock: 08:00 UTC, 16:00 China time
    by_state = invoice_day(ledger, day)
    assert by_state["issued"] == (1, a1)
    assert by_state["requested"] == (1, a2)
    assert by_state["none"] == (2, a3 + recharge.amount_fen)
    assert sum(count for count, _ in by_state.values()) == 4
    assert invoice_day(ledger, day + dt.timedelta(days=1))["none"] == (0, 0)

    report = invoice_report(ledger, day)
    assert len(report.section("requests").rows) == 2
    text = "\n".join(render_text(report, "zh"))
    assert "26370000000000000001" in text and "已开票" in text
