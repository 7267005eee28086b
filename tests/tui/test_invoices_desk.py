"""Invoices at the desk, driven through the terminal: the QR printed on a cash sale's receipt, read back from the
printer's bytes and typed in as a scanner types it, requested once for the buyer; a second scan and a typed
number with another amount refused, nothing written."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from station.devices.printer_sim import decode_qr_codes
from station.simrig import SimulatedForecourt
from station.tui.app import StationApp
from station.tui.screens.desk.invoices import InvoicesScreen
from station.tui.screens.login import LoginScreen
from tests.conftest import until
from tests.core.test_ratings import cash_fill_to_farewell
from tests.ledger.helpers import fingerprint
from tests.tui.test_desk import login, open_desk, text_of


async def cash_sale(rig: SimulatedForecourt) -> str:
    """A cash fill through the core; the receipt's QR as the printer printed it."""
    await cash_fill_to_farewell(rig)
    await until(lambda: rig.receipts_file.exists() and len(decode_qr_codes(rig.receipts_file.read_bytes())) == 1)
    (qr,) = decode_qr_codes(rig.receipts_file.read_bytes())
    return qr


async def type_in(pilot: Any, app: StationApp, field: str, text: str) -> None:
    widget = app.screen.query_one(f"#{field}", Input)
    await until(lambda: widget.has_focus)
    widget.value = text
    await pilot.press("enter")


async def test_a_receipt_qr_invoiced_once_at_the_desk(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    qr = await cash_sale(rig)
    app = StationApp(core, sim=rig, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if isinstance(app.screen, LoginScreen):  # the attendant who sold may still be logged in
            await login(pilot, app, "1001", "1234")
        await open_desk(pilot, app)
        await pilot.press("i")
        await until(
            lambda: isinstance(app.screen, InvoicesScreen) and "还没有发票申请" in text_of(app, "#invoice-list")
        )
        await type_in(pilot, app, "i-link", qr)  # the scanner types the link and Enter: on to the buyer
        await type_in(pilot, app, "i-buyer", "东营市运输有限公司")
        await type_in(pilot, app, "i-tax", "91350100M000100Y43")
        await type_in(pilot, app, "i-email", "fapiao@example.cn")
        await until(lambda: "已申请发票" in text_of(app, "#desk-message"))
        [view] = core.ledger.invoices((), 10)
        assert (view.state, view.buyer.tax_no) == ("requested", "91350100M000100Y43")
        assert "已申请 东营市运输有限公司" in text_of(app, "#invoice-list")

        before = fingerprint(core.ledger.engine)
        await type_in(pilot, app, "i-link", qr)  # the same receipt again
        await type_in(pilot, app, "i-buyer", "张三")
        await type_in(pilot, app, "i-tax", "")
        await type_in(pilot, app, "i-email", "")
        await until(lambda: "已申请" in text_of(app, "#desk-message") and "✗" in text_of(app, "#desk-message"))
        assert fingerprint(core.ledger.engine) == before
        await pilot.press("escape")
    # The shift reconciliation counts the shift's receipts by invoice: this one asked for, none issued yet.
    from station.ledger.shifts.desk import ShiftDesk
    from station.ledger.shifts.values import ShiftInvoices
    from station.tui.screens.desk.reconciliation_lines import reconciliation_lines

    rec = ShiftDesk(core.ledger).reconciliation()
    assert rec.invoices == ShiftInvoices(asked_count=1, asked_fen=view.amount_fen)
    assert "已申请未开出 (1 张)" in "\n".join(reconciliation_lines(rec, "zh"))
    assert core.ledger.invoice_issued(view.request_no, "24370000000000000001")
    assert ShiftDesk(core.ledger).reconciliation().invoices == ShiftInvoices(issued_count=1, issued_fen=view.amount_fen)
