"""The invoice desk on the whole simulated station: a recharge at the counter prints its receipt with the QR
link, the QR read back from the printed bytes is invoiced once through the core, a second scan refused."""

from __future__ import annotations

import pytest

from station.core.cards import CardDesk
from station.core.invoices import OPEN_STATES, InvoiceDesk
from station.core.lanes import CoreRefused
from station.devices.printer_sim import decode_escpos_text, decode_qr_codes
from station.ledger.invoice_views import Buyer
from station.simrig import SimulatedForecourt
from tests.conftest import until

BUYER = Buyer("东营市运输有限公司", "91350100M000100Y43", "fapiao@example.cn")


async def test_a_recharge_receipt_qr_is_invoiced_once_at_the_desk(forecourt: SimulatedForecourt) -> None:
    core = forecourt.core
    await core.login("1001", "1234")
    outcome = await CardDesk(core).recharge("88000001", 20_000)
    await until(lambda: forecourt.receipts_file.exists() and b"1P0" in forecourt.receipts_file.read_bytes())
    printed = forecourt.receipts_file.read_bytes()
    (qr,) = decode_qr_codes(printed)
    assert outcome.receipt_no in decode_escpos_text(printed) and f"r={int(outcome.receipt_no)}" in qr

    desk = InvoiceDesk(core)
    view = await desk.request_from_qr(qr, BUYER)
    assert (view.kind, view.amount_fen, view.state) == ("recharge", 20_000, "requested")
    with pytest.raises(CoreRefused) as again:
        await desk.request_from_qr(qr, Buyer("张三"))
    assert again.value.code == "invoice_already_requested"
    with pytest.raises(CoreRefused) as typed:
        await desk.request_for_receipt(outcome.receipt_no, 20_001, BUYER)
    assert typed.value.code == "invoice_already_requested"
    assert [v.receipt_no for v in await desk.requests(OPEN_STATES)] == [int(outcome.receipt_no)]
    manager = await desk.manager("9001", "9999")
    with pytest.raises(CoreRefused) as not_yet:
        await desk.reverse(manager, outcome.receipt_no, "开错抬头")
    assert not_yet.value.code == "invoice_not_issued"
    assert (await desk.detail(outcome.receipt_no)).events[0].to_state == "requested"
