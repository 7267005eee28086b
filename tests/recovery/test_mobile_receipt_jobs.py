"""A scan-to-pay sale's receipt job left unprinted by a kill is printed at the restart, with its provider and
order number (not as a cash sale), beside the other sales' receipts; each is printed once and marked."""

from __future__ import annotations

import re

from station.devices.printer_sim import decode_escpos_text
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.ledger.helpers import record
from tests.recovery.restart import restart


async def test_a_mobile_receipt_job_left_by_a_kill_prints_at_the_restart(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await core.login("1001", "1234")
    actor = core._need_actor()
    mobile_fill = core.ledger.record_fill(record(9001, 1000, dispenser=1, nozzle=2))
    order = core.ledger.create_payment_order(actor, mobile_fill.id, "wechat")
    mobile = core.ledger.book_paid_order(order.order_no, "4200000001")
    cash_fill = core.ledger.record_fill(record(9002, 500, dispenser=1, nozzle=2))
    cash = core.ledger.settle_cash(actor, cash_fill.id, 5000)  # killed before the spool, like the mobile one
    new = await restart(rig)

    def printed() -> str:
        return decode_escpos_text(rig.receipts_file.read_bytes()) if rig.receipts_file.exists() else ""

    await until(lambda: f"{cash.receipt_no:08d}" in printed() and f"{mobile.receipt_no:08d}" in printed())
    text = printed()
    assert "微信支付" in text and order.order_no in text and "4200000001" in text
    assert len(re.findall(rf"小票号:\s+{mobile.receipt_no:08d}\n", text)) == 1  # printed once
    await until(lambda: new.ledger.unspooled_receipts() == [])
