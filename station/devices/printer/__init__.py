"""Receipt printing: the printer backends and the crash-safe print queue, re-exported here as the public face.

- ``escpos_printer``: :class:`ReceiptPrinter` over python-escpos, its configuration, errors and status
- ``print_queue``: :class:`PrintQueue`, which spools every job before it tries the printer
"""

from __future__ import annotations

from station.devices.printer.escpos_printer import (
    DLE_EOT,
    ESC_INIT,
    FS_CHINESE_OFF,
    FS_CHINESE_ON,
    PAPER_END_BITS,
    PAPER_NEAR_END_BITS,
    STATUS_OFFLINE_BIT,
    PaperOut,
    PrinterConfig,
    PrinterError,
    PrinterKind,
    PrinterOffline,
    PrinterStatus,
    PrinterUnavailable,
    ReceiptPrinter,
    encode_text,
    printer_from_config,
)
from station.devices.printer.print_queue import (
    JobState,
    PrinterLike,
    PrintJob,
    PrintOutcome,
    PrintQueue,
)

__all__ = [
    "DLE_EOT",
    "ESC_INIT",
    "FS_CHINESE_OFF",
    "FS_CHINESE_ON",
    "PAPER_END_BITS",
    "PAPER_NEAR_END_BITS",
    "STATUS_OFFLINE_BIT",
    "JobState",
    "PaperOut",
    "PrintJob",
    "PrintOutcome",
    "PrintQueue",
    "PrinterConfig",
    "PrinterError",
    "PrinterKind",
    "PrinterLike",
    "PrinterOffline",
    "PrinterStatus",
    "PrinterUnavailable",
    "ReceiptPrinter",
    "encode_text",
    "printer_from_config",
]
