"""The demo's forecourt brings its own invoicing platform: a request made at the desk is issued, as at a station
whose [invoices] provider is configured (the platform's simulator over real HTTP, the worker in the core)."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.core.invoices import InvoiceDesk
from station.devices.printer_sim import decode_qr_codes
from station.ledger.invoice_views import Buyer
from station.runtime import open_station
from station.seed import seed_demo
from station.simrig import open_first_shift, start_forecourt
from tests.conftest import until
from tests.tui.test_invoices_desk import cash_sale


async def test_the_demo_issues_an_invoice_requested_at_the_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    runtime = open_station(f"sqlite:///{tmp_path / 'station.db'}")
    seed_demo(runtime.ledger)
    rig = await start_forecourt(
        runtime, tmp_path / "rig", speed=40.0, poll_interval=0.03, reader_poll=0.05, invoicing=True
    )
    try:
        assert rig.invoicing_sim is not None
        assert await rig.bus.wait_connected(10)
        await open_first_shift(rig.core)
        qr = await cash_sale(rig)
        assert decode_qr_codes(rig.receipts_file.read_bytes()) == [qr]
        view = await InvoiceDesk(rig.core).request_from_qr(qr, Buyer("张三", "", "zhang@example.cn"))
        await until(lambda: rig.core.ledger.invoice(view.receipt_no).state == "issued", timeout=20)
        issued = rig.core.ledger.invoice(view.receipt_no)
        assert issued.provider_invoice_no and issued.amount_fen == view.amount_fen
    finally:
        await rig.stop()
        runtime.close()
