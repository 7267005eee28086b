"""A scan-to-pay sale's receipt job (no receipt layout for it yet) does not stop a restart from printing the
other sales' receipts, and is not printed as a cash sale."""

from __future__ import annotations

from station.devices.printer_sim import decode_escpos_text
from station.simrig import SimulatedForecourt
from tests.conftest import until
from tests.ledger.helpers import record
from tests.recovery.restart import restart


async def test_a_mobile_receipt_job_waits_without_holding_up_the_others(forecourt: SimulatedForecourt) -> None:
    rig, core = forecourt, forecourt.core
    await core.login("1001", "1234")
    actor = core._need_actor()
    mobile_fill = core.ledger.record_fill(record(9001, 1000, dispenser=1, nozzle=2))
    order = core.ledger.create_payment_order(actor, mobile_fill.id, "wechat")
    mobile = core.ledger.book_paid_order(order.order_no, "4200000001")
    cash_fill = core.ledger.record_fill(record(9002, 500, dispenser=1, nozzle=2))
    cash = core.ledger.settle_cash(actor, cash_fill.id, 5000)  # killed before the spool, like the mobile one
    new = await restart(rig)
    await until(
        lambda: (
            rig.receipts_file.exists()
            and f"{cash.receipt_no:08d}" in decode_escpos_text(rig.receipts_file.read_bytes())
        )
    )
    assert f"{mobile.receipt_no:08d}" not in decode_escpos_text(rig.receipts_file.read_bytes())
    # The cash one is marked spooled once printed; the mobile one stays, waiting for its layout.
    await until(lambda: [j.receipt_no for j in new.ledger.unspooled_receipts()] == [mobile.receipt_no])
