"""The crash-safe print queue: the sale never waits on paper.

:class:`PrintQueue` writes each job to its spool directory (atomically, fsynced) before it tries the printer,
keeps failed jobs with the error, prints them on :meth:`PrintQueue.drain`, and never raises a printer failure
into the caller.
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

from station.printouts.receipt import (
    Language,
    Receipt,
    ReceiptError,
    receipt_from_dict,
    receipt_to_dict,
    render,
)


class PrinterLike(Protocol):
    def print_lines(self, lines: Sequence[str], qr: str = "") -> None: ...


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
    qr: str = ""  # the receipt's invoice link, printed as a QR code under the text (kept for reprints)


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
        # The invoice link of a receipt (core.invoices.receipt_qr): computed once, when the job is queued.
        self.qr_for: Callable[[Receipt], str] | None = None

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
        self,
        receipt: Receipt,
        language: Language = "zh",
        *,
        reprint: bool = False,
        copy_of: str | None = None,
        qr: str | None = None,
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
            qr=qr if qr is not None else self.qr_for(receipt) if self.qr_for is not None else "",
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
        new_id = self.enqueue(
            receipt, original.language, reprint=True, copy_of=original.copy_of or job_id, qr=original.qr or None
        )
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
            if job.qr:
                printer.print_lines(lines, qr=job.qr)
            else:
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
