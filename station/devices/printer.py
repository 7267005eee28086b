"""Receipt printing over python-escpos, and a crash-safe print queue.

Chinese text goes to the printer as GB18030 inside the printer's Chinese mode (FS & ... FS .). python-escpos's
code-page "magic" cannot produce GB18030, so the text is written with ``_raw``; python-escpos still does the
transport (file, serial, network, USB, dummy), the cut and the DLE EOT status queries.

The sale never waits on paper: :class:`PrintQueue` writes each job to its spool directory (atomically, fsynced)
before it tries the printer, keeps failed jobs with the error, prints them on :meth:`PrintQueue.drain`, and
never raises a printer failure into the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from escpos.printer import Dummy, File, Network, Serial, Usb

from station.printouts.receipt import (
    Language,
    Receipt,
    ReceiptError,
    receipt_from_dict,
    receipt_to_dict,
    render,
)

PrinterKind = Literal["file", "serial", "network", "usb", "none"]

ESC_INIT = b"\x1b\x40"
FS_CHINESE_ON = b"\x1c\x26"  # FS &: double-byte (Chinese) character mode
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .: back to single-byte mode
DLE_EOT = b"\x10\x04"
STATUS_OFFLINE_BIT = 0x08  # DLE EOT 1, bit 3
PAPER_END_BITS = 0x60  # DLE EOT 4, bits 5-6
PAPER_NEAR_END_BITS = 0x0C  # DLE EOT 4, bits 2-3


class PrinterError(Exception):
    """The receipt did not print."""


class PrinterUnavailable(PrinterError):
    """The printer cannot be reached or opened."""


class PaperOut(PrinterError):
    """The printer reports no paper."""


class PrinterOffline(PrinterError):
    """The printer answers but is offline (cover open, error state)."""


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    online: bool | None  # None: the transport cannot tell
    paper: Literal["ok", "low", "out", "unknown"]

    @property
    def ready(self) -> bool:
        return self.online is not False and self.paper != "out"


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """``kind`` and ``target`` as in ``[devices] printer`` / ``printer_target``:

    file: a path (appended to); serial: ``/dev/ttyUSB1`` or ``/dev/ttyUSB1@19200``; network: ``host[:port]``
    (port 9100 by default); usb: ``vendor:product`` in hex (``0416:5011``); none: nothing is printed.
    """

    kind: PrinterKind = "file"
    target: str = "receipts.bin"
    encoding: str = "gb18030"
    timeout: float = 5.0

    @classmethod
    def from_devices(cls, devices: Any) -> PrinterConfig:
        """From ``station.config.Devices`` (printer, printer_target, printer_encoding)."""
        return cls(kind=devices.printer, target=devices.printer_target, encoding=devices.printer_encoding)


class _AppendFile(File):  # type: ignore[misc]
    """python-escpos's File truncates on open; a receipt file must keep earlier receipts."""

    def open(self, raise_not_found: bool = True) -> None:
        handle: Any = None
        try:
            handle = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            self.device = handle
            if raise_not_found:
                raise PrinterUnavailable(f"cannot open {self.devfile}: {exc}") from exc
            return
        self.device = handle


def encode_text(lines: Sequence[str], encoding: str = "gb18030") -> bytes:
    """The text block as the printer wants it: Chinese mode on, encoded lines, Chinese mode off."""
    text = "".join(line + "\n" for line in lines)
    try:
        body = text.encode(encoding)
    except (UnicodeEncodeError, LookupError) as exc:
        raise PrinterError(f"cannot encode the receipt as {encoding}: {exc}") from exc
    return FS_CHINESE_ON + body + FS_CHINESE_OFF


def _host_port(target: str) -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if not sep:
        return target, 9100
    try:
        return host, int(port)
    except ValueError as exc:
        raise PrinterUnavailable(f"network printer target {target!r} is not host:port") from exc


class ReceiptPrinter:
    """One printer; each call opens the transport, does its work, and closes it again."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self.dummy_output = b""  # what a "none" printer would have printed, for inspection

    @property
    def bidirectional(self) -> bool:
        return self.config.kind in ("serial", "network", "usb")

    def _make(self) -> Any:
        cfg = self.config
        try:
            if cfg.kind == "file":
                return _AppendFile(devfile=cfg.target)
            if cfg.kind == "none":
                return Dummy()
            if cfg.kind == "network":
                host, port = _host_port(cfg.target)
                return Network(host=host, port=port, timeout=cfg.timeout)
            if cfg.kind == "serial":
                port_name, _, baud = cfg.target.partition("@")
                return Serial(devfile=port_name, baudrate=int(baud or 9600), timeout=cfg.timeout)
            if cfg.kind == "usb":
                vendor, _, product = cfg.target.partition(":")
                return Usb(idVendor=int(vendor, 16), idProduct=int(product, 16), timeout=int(cfg.timeout * 1000))
        except PrinterError:
            raise
        except Exception as exc:  # python-escpos raises many kinds; all mean "no printer"
            raise PrinterUnavailable(f"{cfg.kind} printer {cfg.target!r}: {exc}") from exc
        raise PrinterUnavailable(f"unknown printer kind {cfg.kind!r}")

    def _open(self) -> Any:
        device = self._make()
        try:
            device.open()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterUnavailable(f"{self.config.kind} printer {self.config.target!r}: {exc}") from exc
        return device

    @staticmethod
    def _query(device: Any) -> PrinterStatus:
        # python-escpos's is_online()/paper_status() read an empty answer as "offline"/"paper ok"; asking
        # query_status directly keeps "did not answer" apart from both.
        try:
            online_raw = bytes(device.query_status(DLE_EOT + b"\x01"))
            paper_raw = bytes(device.query_status(DLE_EOT + b"\x04"))
        except Exception:
            return PrinterStatus(online=None, paper="unknown")
        online = None if not online_raw else not online_raw[0] & STATUS_OFFLINE_BIT
        paper: Literal["ok", "low", "out", "unknown"] = "unknown"
        if paper_raw:
            if paper_raw[0] & PAPER_END_BITS:
                paper = "out"
            elif paper_raw[0] & PAPER_NEAR_END_BITS:
                paper = "low"
            else:
                paper = "ok"
        return PrinterStatus(online=online, paper=paper)

    def status(self) -> PrinterStatus:
        """Online and paper state where the transport can answer; file and none are always ready."""
        if not self.bidirectional:
            return PrinterStatus(online=True, paper="ok")
        device = self._open()
        try:
            return self._query(device)
        finally:
            _close(device)

    def print_lines(self, lines: Sequence[str]) -> None:
        """Print and cut; raise a PrinterError subclass if it did not."""
        payload = encode_text(lines, self.config.encoding)
        device = self._open()
        try:
            if self.bidirectional:
                state = self._query(device)
                if state.paper == "out":
                    raise PaperOut("the printer is out of paper")
                if state.online is False:
                    raise PrinterOffline("the printer is offline")
            device._raw(ESC_INIT)
            device._raw(payload)
            device.cut()
            if self.bidirectional:
                # The answer comes after the printer has taken every byte before it, so this confirms
                # delivery, and catches paper that ran out during this receipt (it is then printed again).
                after = self._query(device)
                if after.paper == "out":
                    raise PaperOut("the printer ran out of paper while printing")
            if self.config.kind == "none":
                self.dummy_output += device.output
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterUnavailable(f"printing failed: {exc}") from exc
        finally:
            _close(device)

    def print_receipt(self, receipt: Receipt, language: Language = "zh", reprint: bool = False) -> None:
        self.print_lines(render(receipt, language, reprint))


def _close(device: Any) -> None:
    with contextlib.suppress(Exception):
        device.close()


def printer_from_config(config: PrinterConfig) -> Callable[[], ReceiptPrinter]:
    """A printer factory for :class:`PrintQueue`."""
    return lambda: ReceiptPrinter(config)


# --- the print queue ---------------------------------------------------------------------------------------


class PrinterLike(Protocol):
    def print_lines(self, lines: Sequence[str]) -> None: ...


JobState = Literal["queued", "printed"]


@dataclass(frozen=True, slots=True)
class PrintJob:
    job_id: str
    created: str  # ISO time the job was queued
    receipt: dict[str, Any]  # receipt_to_dict form
    language: Language
    reprint: bool = False
    copy_of: str | None = None  # the job a reprint copies
    state: JobState = "queued"
    attempts: int = 0
    last_error: str | None = None
    printed_at: str | None = None


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    job_id: str
    printed: bool
    error: str | None = None  # why it is still queued


class PrintQueue:
    """Jobs live as ``queue/<id>.json`` until printed, then as ``done/<id>.json`` (kept for reprints).

    Delivery is at-least-once: a crash after the paper came out but before the job was moved to ``done``
    prints it again after the restart, which beats losing a receipt.
    """

    def __init__(self, spool_dir: Path, printer_factory: Callable[[], PrinterLike]) -> None:
        self.spool_dir = Path(spool_dir)
        self.printer_factory = printer_factory
        self._queue_dir = self.spool_dir / "queue"
        self._done_dir = self.spool_dir / "done"
        self._queue_dir.mkdir(parents=True, exist_ok=True)
        self._done_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one printer, one job at a time, across threads

    # --- storage -----------------------------------------------------------------------------------------

    def _write(self, directory: Path, job: PrintJob) -> None:
        path = directory / f"{job.job_id}.json"
        tmp = directory / f".{job.job_id}.tmp"
        data = json.dumps(asdict(job), ensure_ascii=False, sort_keys=True).encode("utf-8")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(directory)

    @staticmethod
    def _load(path: Path) -> PrintJob | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return PrintJob(**raw)
        except (OSError, ValueError, TypeError):
            return None  # a half-written file cannot exist (os.replace), but a hand-edited one might

    def pending(self) -> list[PrintJob]:
        """Queued jobs, oldest first."""
        jobs = (self._load(p) for p in sorted(self._queue_dir.glob("*.json")))
        return [job for job in jobs if job is not None]

    def printed(self) -> list[PrintJob]:
        jobs = (self._load(p) for p in sorted(self._done_dir.glob("*.json")))
        return [job for job in jobs if job is not None]

    def get(self, job_id: str) -> PrintJob | None:
        for directory in (self._queue_dir, self._done_dir):
            path = directory / f"{job_id}.json"
            if path.exists():
                return self._load(path)
        return None

    # --- operations --------------------------------------------------------------------------------------

    def enqueue(
        self, receipt: Receipt, language: Language = "zh", *, reprint: bool = False, copy_of: str | None = None
    ) -> str:
        """Persist a job without printing it; return its id."""
        job_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"  # sorts in submission order
        job = PrintJob(
            job_id=job_id,
            created=datetime.now().isoformat(timespec="seconds"),
            receipt=receipt_to_dict(receipt),
            language=language,
            reprint=reprint,
            copy_of=copy_of,
        )
        self._write(self._queue_dir, job)
        return job_id

    def submit(self, receipt: Receipt, language: Language = "zh") -> PrintOutcome:
        """Queue the receipt, then try to print it (and anything queued before it, in order)."""
        job_id = self.enqueue(receipt, language)
        outcomes = self.drain()
        for outcome in outcomes:
            if outcome.job_id == job_id:
                return outcome
        job = self.get(job_id)
        return PrintOutcome(job_id, printed=False, error=job.last_error if job else "not printed")

    def reprint(self, job_id: str) -> PrintOutcome:
        """Queue a copy of an earlier job marked 重打印 / REPRINT and try to print it."""
        original = self.get(job_id)
        if original is None:
            return PrintOutcome(job_id, printed=False, error=f"no print job {job_id}")
        try:
            receipt = receipt_from_dict(original.receipt)
        except ReceiptError as exc:
            return PrintOutcome(job_id, printed=False, error=str(exc))
        new_id = self.enqueue(receipt, original.language, reprint=True, copy_of=original.copy_of or job_id)
        for outcome in self.drain():
            if outcome.job_id == new_id:
                return outcome
        job = self.get(new_id)
        return PrintOutcome(new_id, printed=False, error=job.last_error if job else "not printed")

    def drain(self) -> list[PrintOutcome]:
        """Print queued jobs oldest first; stop at the first failure (the printer is down, keep the order)."""
        outcomes: list[PrintOutcome] = []
        with self._lock:
            for job in self.pending():
                outcome = self._print_one(job)
                outcomes.append(outcome)
                if not outcome.printed:
                    break
        return outcomes

    def _print_one(self, job: PrintJob) -> PrintOutcome:
        try:
            lines = render(receipt_from_dict(job.receipt), job.language, job.reprint)
            printer = self.printer_factory()
            printer.print_lines(lines)
        except Exception as exc:  # a printer failure must never reach the sale
            error = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(OSError):
                self._write(self._queue_dir, replace(job, attempts=job.attempts + 1, last_error=error))
            return PrintOutcome(job.job_id, printed=False, error=error)
        done = replace(
            job,
            state="printed",
            attempts=job.attempts + 1,
            last_error=None,
            printed_at=datetime.now().isoformat(timespec="seconds"),
        )
        with contextlib.suppress(OSError):
            self._write(self._done_dir, done)
            (self._queue_dir / f"{job.job_id}.json").unlink()
            _fsync_dir(self._queue_dir)
        return PrintOutcome(job.job_id, printed=True)

    # --- asyncio front: printing blocks on sockets and serial ports, so it runs in a worker thread ---------

    async def submit_async(self, receipt: Receipt, language: Language = "zh") -> PrintOutcome:
        return await asyncio.to_thread(self.submit, receipt, language)

    async def drain_async(self) -> list[PrintOutcome]:
        return await asyncio.to_thread(self.drain)

    async def reprint_async(self, job_id: str) -> PrintOutcome:
        return await asyncio.to_thread(self.reprint, job_id)


def _fsync_dir(directory: Path) -> None:
    # The rename itself must reach the disk, or a power cut can bring back the old directory entry.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
