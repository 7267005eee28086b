"""Walk the dispenser bus by hand: simulator on a pty (its own process), driver on the other side.

Run: .venv/bin/python scripts/dispenser_walkthrough.py
It authorizes a fill, stops the driver mid-fill, starts a new driver that recovers the finished transaction
and acknowledges it, then prints a receipt to a file and reads it back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from station.devices.dispenser_bus import DispenserBus, TransactionCompleted
from station.devices.dispenser_protocol import NozzleState, Preset
from station.devices.printer import PrinterConfig, PrintQueue, printer_from_config
from station.devices.printer_sim import decode_escpos_text
from station.money import format_centi, format_yuan
from station.printouts.receipt import CashPayment, FillReceipt


def control(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall((line + "\n").encode())
        return conn.makefile().readline().strip()


async def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bus-walk-"))
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "station.cli",
            "sim",
            "dispensers",
            "--pty",
            "--control",
            "0",
            "--speed",
            "20",
            "--state",
            str(tmp / "sim.json"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sim.stdout is not None
    port_path, control_port = sim.stdout.readline().strip(), int(sim.stdout.readline().strip().split(":")[-1])
    print(f"simulator on {port_path}, control port {control_port}")
    try:
        print("control:", control(control_port, "lift 1 1 3.0 16"))
        bus = DispenserBus(port_path, [1], poll_interval=0.05)
        events = bus.events()
        await bus.start()
        assert await bus.wait_connected(10)
        print("identify:", await bus.identify(1))
        await bus.authorize(1, 1, Preset.amount(3000), 450)
        print("authorized: preset 30.00 yuan at 4.50/kg")
        while True:
            event = await asyncio.wait_for(events.get(), 10)
            if getattr(event, "quantity", 0) > 300:
                print(f"progress: {format_centi(event.quantity)} kg ¥{format_yuan(event.amount)}")  # type: ignore[attr-defined]
                break
        await bus.close()
        print("driver stopped mid-fill (the POS went down)")
        await asyncio.sleep(2)
        print(
            "simulator status:",
            json.loads(control(control_port, "status").removeprefix("ok "))["dispensers"]["1"]["unacked"],
        )
        bus2 = DispenserBus(port_path, [1], poll_interval=0.05)
        events2 = bus2.events()
        await bus2.start()
        while True:
            event = await asyncio.wait_for(events2.get(), 10)
            if isinstance(event, TransactionCompleted):
                txn = event.transaction
                break
        print(
            f"recovered by a new driver: transaction #{txn.number}, {format_centi(txn.quantity)} kg, "
            f"¥{format_yuan(txn.amount)}, stop reason {txn.stop_reason.name}"
        )
        await bus2.acknowledge(1, txn.number)
        status = await bus2.read_status(1)
        print(
            f"acknowledged; unacknowledged left: {status.unacked_count}; nozzle: "
            f"{NozzleState(status.nozzles[0].state).name}"
        )
        await bus2.close()
        receipt_file = tmp / "receipt.bin"
        queue = PrintQueue(tmp / "spool", printer_from_config(PrinterConfig(kind="file", target=str(receipt_file))))
        outcome = queue.submit(
            FillReceipt(
                station_name="东营南郊",
                station_code="DY-0001",
                receipt_no="00000001",
                time=dt.datetime.now(),
                attendant="李加气",
                dispenser=1,
                nozzle=1,
                transaction_no=txn.number,
                product="压缩天然气",
                unit_price_fen=txn.unit_price,
                quantity_centi=txn.quantity,
                unit="kg",
                amount_fen=txn.amount,
                payment=CashPayment(5000, 5000 - txn.amount),
            )
        )
        print(f"receipt printed: {outcome.printed} → {receipt_file}")
        print(decode_escpos_text(receipt_file.read_bytes()))
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
