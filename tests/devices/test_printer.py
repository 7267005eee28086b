"""Printing: the bytes python-escpos produces (file and network simulator) read back as text; the queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from station.devices.printer import (
    FS_CHINESE_OFF,
    FS_CHINESE_ON,
    PaperOut,
    PrinterConfig,
    PrinterUnavailable,
    PrintQueue,
    ReceiptPrinter,
    encode_text,
    printer_from_config,
)
from station.devices.printer_sim import PrinterSimulator, decode_escpos_text
from station.printouts.receipt import CardPayment, FillReceipt, ReportLine, ShiftReport, render

WHEN = datetime(2024, 5, 1, 12, 34, 56)


def receipt(no: str = "R0001") -> FillReceipt:
    return FillReceipt(
        station_name="和平路CNG加气站",
        station_code="ZJ001",
        receipt_no=no,
        time=WHEN,
        attendant="007 王五",
        dispenser=1,
        nozzle=2,
        transaction_no=12345,
        product="压缩天然气",
        unit_price_fen=450,
        quantity_centi=1234,
        unit="kg",
        amount_fen=5553,
        payment=CardPayment("6222000011112222", 1200, low_balance=True),
    )


def printed_lines(data: bytes) -> list[str]:
    return decode_escpos_text(data).strip("\n").split("\n")


@pytest.fixture
async def sim() -> AsyncIterator[PrinterSimulator]:
    simulator = PrinterSimulator()
    await simulator.start()
    yield simulator
    await simulator.stop()


def test_file_printer_bytes_read_back(tmp_path: Path) -> None:
    out = tmp_path / "receipts.bin"
    printer = ReceiptPrinter(PrinterConfig("file", str(out)))
    assert printer.status().ready
    printer.print_receipt(receipt(), "zh")
    printer.print_receipt(receipt("R0002"), "en")  # appended, the first one is kept
    data = out.read_bytes()
    assert data.startswith(b"\x1b\x40" + FS_CHINESE_ON)
    assert FS_CHINESE_OFF in data and b"\x1dV\x00" in data  # Chinese mode left, full cut
    assert "和平路CNG加气站".encode("gb18030") in data  # GB18030 on the wire, not UTF-8
    lines = [line for line in printed_lines(data) if line]
    expected = [line for line in render(receipt(), "zh") + render(receipt("R0002"), "en") if line]
    assert lines == expected
    assert "余额不多,请及时充值" in lines and "****2222" in "\n".join(lines)


def test_gb18030_round_trip_of_rare_characters() -> None:
    lines = ["𠀀 鿿 〇 ·— ¥ 乙醇", "重打印 / REPRINT"]
    assert decode_escpos_text(encode_text(lines)).split("\n")[:2] == lines


def test_decoder_strips_commands() -> None:
    data = b"\x1b@\x1b!\x08A\x1da\x01\x1c&\xc4\xe3\x1c.\x10\x04\x01B\n\x1dV\x41\x03\x1b*\x00\x02\x00\xff\xffC"
    assert decode_escpos_text(data) == "A你B\nC"


def test_none_printer_prints_nowhere() -> None:
    printer = ReceiptPrinter(PrinterConfig("none", ""))
    printer.print_lines(["你好"])
    assert "你好" in decode_escpos_text(printer.dummy_output)


async def test_network_printer_and_status(sim: PrinterSimulator) -> None:
    printer = ReceiptPrinter(PrinterConfig("network", sim.target, timeout=5))
    status = await asyncio.to_thread(printer.status)
    assert status.online is True and status.paper == "ok"
    await asyncio.to_thread(printer.print_receipt, receipt(), "zh")
    assert [line for line in printed_lines(bytes(sim.received)) if line] == [
        line for line in render(receipt(), "zh") if line
    ]
    sim.paper_low = True
    assert (await asyncio.to_thread(printer.status)).paper == "low"
    sim.paper_out = True
    status = await asyncio.to_thread(printer.status)
    assert status.paper == "out" and not status.ready
    with pytest.raises(PaperOut):
        await asyncio.to_thread(printer.print_receipt, receipt(), "zh")
    await sim.stop()
    with pytest.raises(PrinterUnavailable):
        await asyncio.to_thread(printer.print_receipt, receipt(), "zh")


async def test_paper_out_keeps_the_job_and_drain_prints_it_once(sim: PrinterSimulator, tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "spool", printer_from_config(PrinterConfig("network", sim.target)))
    sim.paper_out = True
    outcome = await queue.submit_async(receipt("R-OUT"))
    assert not outcome.printed and outcome.error and "paper" in outcome.error
    (job,) = queue.pending()
    assert job.job_id == outcome.job_id and job.attempts == 1 and job.last_error
    assert "R-OUT" not in sim.text
    sim.paper_out = False
    (result,) = await queue.drain_async()
    assert result.printed
    assert await queue.drain_async() == []
    assert sim.text.count("R-OUT") == 1
    assert queue.pending() == [] and [j.job_id for j in queue.printed()] == [outcome.job_id]


async def test_closed_printer_then_back_and_restart_of_the_queue(sim: PrinterSimulator, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    config = PrinterConfig("network", sim.target, timeout=5)
    await sim.stop()
    queue = PrintQueue(spool, printer_from_config(config))
    first = await queue.submit_async(receipt("R-A"))
    second = await queue.submit_async(receipt("R-B"))
    assert not first.printed and not second.printed
    # The app restarts: a new queue object over the same spool finds both jobs, in order.
    queue = PrintQueue(spool, printer_from_config(config))
    assert [j.job_id for j in queue.pending()] == [first.job_id, second.job_id]
    await sim.start()  # same port
    outcomes = await queue.drain_async()
    assert [o.printed for o in outcomes] == [True, True]
    assert sim.text.count("R-A") == 1 and sim.text.count("R-B") == 1
    assert sim.text.index("R-A") < sim.text.index("R-B")
    assert await queue.drain_async() == []


async def test_reprint_says_so(sim: PrinterSimulator, tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "spool", printer_from_config(PrinterConfig("network", sim.target)))
    original = await queue.submit_async(receipt("R-RE"))
    assert original.printed and "REPRINT" not in sim.text
    copy = await queue.reprint_async(original.job_id)
    assert copy.printed and copy.job_id != original.job_id
    assert sim.text.count("R-RE") == 2
    first, _, rest = sim.text.partition("请走好,欢迎再次光临")
    assert "REPRINT" not in first and "重打印 / REPRINT" in rest and "R-RE" in rest
    job = queue.get(copy.job_id)
    assert job is not None and job.reprint and job.copy_of == original.job_id
    missing = await queue.reprint_async("nope")
    assert not missing.printed and missing.error


def test_queue_never_raises_for_a_broken_printer(tmp_path: Path) -> None:
    def broken() -> ReceiptPrinter:
        raise RuntimeError("usb unplugged")

    queue = PrintQueue(tmp_path / "spool", broken)
    report = ShiftReport("S", "1", "交班报表", WHEN, (ReportLine("现金", "1.00"),))
    outcome = queue.submit(report)
    assert not outcome.printed and "usb unplugged" in (outcome.error or "")
    assert len(queue.pending()) == 1
    bad = PrintQueue(tmp_path / "spool2", printer_from_config(PrinterConfig("file", str(tmp_path / "no" / "dir"))))
    assert not bad.submit(report).printed


def test_spool_files_are_complete_json(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "spool", printer_from_config(PrinterConfig("file", str(tmp_path / "r.bin"))))
    queue.enqueue(receipt())
    files = list((tmp_path / "spool" / "queue").iterdir())
    assert len(files) == 1 and files[0].suffix == ".json"  # no temp file left behind
    assert "6222000011112222" not in files[0].read_text(encoding="utf-8")
    assert [o.printed for o in queue.drain()] == [True]
    assert "R0001" in decode_escpos_text((tmp_path / "r.bin").read_bytes())
