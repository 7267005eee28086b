"""A receipt's QR code over the real printer path: the print queue to the ESC/POS printer simulator, the QR's
content read back from the bytes, verified by the ledger, invoiced once; a tampered amount refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from station.core.invoices import receipt_qr
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.devices.printer_sim import PrinterSimulator
from station.ledger.errors import Refused
from station.ledger.invoice_link import verify_link
from station.ledger.invoice_views import Buyer
from station.ledger.services import Ledger
from station.printouts.receipt import CashPayment, FillReceipt, RechargeReceipt, ShiftReport
from tests.ledger.helpers import card, record, staff


@pytest.fixture
async def printer() -> AsyncIterator[PrinterSimulator]:
    sim = PrinterSimulator()
    await sim.start()
    yield sim
    await sim.stop()


def fill_receipt(receipt_no: int, amount_fen: int) -> FillReceipt:
    return FillReceipt(
        station_name="东营南郊",
        station_code="DY-0001",
        receipt_no=f"{receipt_no:08d}",
        time=dt.datetime(2026, 11, 21, 16, 0),
        attendant="加气员",
        dispenser=1,
        nozzle=1,
        transaction_no=1,
        product="压缩天然气",
        unit_price_fen=450,
        quantity_centi=1523,
        unit="kg",
        amount_fen=amount_fen,
        payment=CashPayment(amount_fen, 0),
    )


async def test_the_qr_printed_is_verified_and_invoiced_once(
    ledger: Ledger, printer: PrinterSimulator, tmp_path: Path
) -> None:
    manager, attendant = staff(ledger, shift=True)
    fill = ledger.record_fill(record(1, 1523), attendant=attendant)
    sale = ledger.settle_cash(attendant, fill.id, 7000)
    number = card(ledger, manager, balance=0)
    recharge = ledger.recharge(attendant, number, 30_000)
    queue = PrintQueue(tmp_path / "spool", printer_from_config(PrinterConfig("network", printer.target)))
    queue.qr_for = receipt_qr(ledger, ledger.settings)
    assert (await queue.submit_async(fill_receipt(sale.receipt_no, fill.amount_fen))).printed
    slip = RechargeReceipt(
        station_name="东营南郊",
        station_code="DY-0001",
        receipt_no=f"{recharge.receipt_no:08d}",
        time=dt.datetime(2026, 11, 21, 16, 5),
        attendant="加气员",
        card_number=number,
        amount_fen=30_000,
        balance_after_fen=30_000,
    )
    assert (await queue.submit_async(slip)).printed
    report = ShiftReport(station_name="东营南郊", station_code="DY-0001", title="交班", time=dt.datetime(2026, 11, 21))
    assert (await queue.submit_async(report)).printed  # a report has no sale: no QR
    fill_qr, recharge_qr = printer.qr_codes
    assert fill_qr.startswith(ledger.settings.invoices.request_url + "?")
    assert "小票" in printer.text  # the text around the codes still decodes
    link = verify_link(ledger.invoice_link_key, fill_qr, "DY-0001")
    assert (link.receipt_no, link.amount_fen) == (sale.receipt_no, 6854)
    assert verify_link(ledger.invoice_link_key, recharge_qr, "DY-0001").amount_fen == 30_000

    # A reprint carries the same code.
    (done, *_) = queue.printed()
    assert (await queue.reprint_async(done.job_id)).printed
    assert printer.qr_codes[-1] == fill_qr

    tampered = fill_qr.replace("a=6854", "a=68540")
    with pytest.raises(Refused) as info:
        ledger.request_invoice_from_link(attendant, tampered, Buyer("张三"))
    assert info.value.code == "invoice_link_invalid"
    assert ledger.request_invoice_from_link(attendant, fill_qr, Buyer("张三")).state == "requested"
    with pytest.raises(Refused) as again:
        ledger.request_invoice_from_link(attendant, fill_qr, Buyer("张三"))
    assert again.value.code == "invoice_already_requested"
    assert ledger.request_invoice_from_link(attendant, recharge_qr, Buyer("张三")).kind == "recharge"
