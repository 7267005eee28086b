"""Receipt printers over python-escpos: the backends (file, serial, network, USB, none), GB18030 text and status.

Chinese text goes to the printer as GB18030 inside the printer's Chinese mode (FS & ... FS .). python-escpos's
code-page "magic" cannot produce GB18030, so the text is written with ``_raw``; python-escpos still does the
transport (file, serial, network, USB, dummy), the cut and the DLE EOT status queries.

python-escpos is imported on the first printer opened, not with this module (the terminal starts without it):
importing it parses its capabilities file unless a pickle of it is found, so :func:`_escpos_printer` points it
at a persistent cache under the user cache directory first (see there).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs

from station.printouts.receipt import (
    Language,
    Receipt,
    render,
)

PrinterKind = Literal["file", "serial", "network", "usb", "none"]

ESC_INIT = b"\x1b\x40"
FS_CHINESE_ON = b"\x1c\x26"  # FS &: double-byte (Chinese) character mode
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .: back to single-byte mode
DLE_EOT = b"\x10\x04"
ESC_ALIGN_CENTER = b"\x1b\x61\x01"
ESC_ALIGN_LEFT = b"\x1b\x61\x00"
QR_MODULE_DOTS = 5  # a ~100-character link is a 33×33 module code: 165 dots, about 21 mm on 80 mm paper
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


PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_import_lock = threading.Lock()


@functools.cache
def _escpos_printer() -> Any:
    """``escpos.printer``, imported once, with its capabilities pickled in the user cache directory.

    python-escpos pickles its parsed capabilities file into ``$ESCPOS_CAPABILITIES_PICKLE_DIR`` and reads the
    pickle on later imports; without the variable it uses a new temporary directory every time (parsing the
    file again, and leaving the directory behind). What else it does at import is worked around here: it
    writes the pickle in place (another process importing at the same moment could read half of it), so a
    missing or stale pickle is made in a private directory and moved into the cache whole; it calls
    ``mkdtemp()`` even when the variable is set, so that empty directory is made inside the private one
    (``tempfile.tempdir`` for the moment of the import) and removed with it; and it calls
    ``logging.basicConfig()``, which would send the station's log records to stderr (over the terminal's
    screen) when no handler is set yet. A pickle directory set by the user is used as it is.
    """
    with _import_lock:
        root = logging.getLogger()
        guard = logging.NullHandler()
        root.addHandler(guard)  # basicConfig() does nothing while the root logger has a handler
        try:
            return _import_escpos_printer()
        finally:
            root.removeHandler(guard)


def _import_escpos_printer() -> Any:
    if PICKLE_DIR_ENV in os.environ:
        import escpos.printer

        return escpos.printer
    cache = Path(platformdirs.user_cache_dir("cng-station", appauthor=False)) / "escpos"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".import-", dir=cache))
    except OSError:  # no cache directory to be had: python-escpos's own behaviour
        import escpos.printer

        return escpos.printer
    saved_tempdir = tempfile.tempdir
    try:
        stale = _stale_pickle(cache)
        tempfile.tempdir = str(scratch)  # python-escpos's unused mkdtemp() lands here
        os.environ[PICKLE_DIR_ENV] = str(scratch if stale else cache)
        import escpos.printer

        if stale:
            for pickle in scratch.glob("*.capabilities.pickle"):
                os.replace(pickle, cache / pickle.name)
    finally:
        tempfile.tempdir = saved_tempdir
        os.environ.pop(PICKLE_DIR_ENV, None)
        _remove_private(scratch)
    return escpos.printer


def _stale_pickle(cache: Path) -> bool:
    """True when the import is to parse the capabilities and write a pickle: none in the cache, or an older
    one than the capabilities file (python-escpos's own test)."""
    import importlib.util
    import platform

    pickle = cache / f"{platform.python_version()}.capabilities.pickle"
    source = os.environ.get("ESCPOS_CAPABILITIES_FILE")
    if source is None:
        spec = importlib.util.find_spec("escpos")
        if spec is None or spec.origin is None:
            return True
        source = str(Path(spec.origin).parent / "capabilities.json")
    try:
        return pickle.stat().st_mtime < Path(source).stat().st_mtime
    except OSError:
        return True


def _remove_private(directory: Path) -> None:
    """The private directory and what python-escpos left in it; anything else put there is left alone."""
    with contextlib.suppress(OSError):
        for pickle in directory.glob("*.capabilities.pickle"):
            pickle.unlink()
        for path in directory.iterdir():
            if path.is_dir():
                with contextlib.suppress(OSError):
                    path.rmdir()  # empty: python-escpos's mkdtemp()
        directory.rmdir()


@functools.cache
def _append_file_class() -> type:
    class _AppendFile(_escpos_printer().File):  # type: ignore[misc]
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

    return _AppendFile


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
            escpos = _escpos_printer()
            if cfg.kind == "file":
                return _append_file_class()(devfile=cfg.target)
            if cfg.kind == "none":
                return escpos.Dummy()
            if cfg.kind == "network":
                host, port = _host_port(cfg.target)
                return escpos.Network(host=host, port=port, timeout=cfg.timeout)
            if cfg.kind == "serial":
                port_name, _, baud = cfg.target.partition("@")
                return escpos.Serial(devfile=port_name, baudrate=int(baud or 9600), timeout=cfg.timeout)
            if cfg.kind == "usb":
                vendor, _, product = cfg.target.partition(":")
                return escpos.Usb(idVendor=int(vendor, 16), idProduct=int(product, 16), timeout=int(cfg.timeout * 1000))
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

    def print_lines(self, lines: Sequence[str], qr: str = "") -> None:
        """Print and cut; raise a PrinterError subclass if it did not. ``qr``: a QR code under the text (the
        receipt's invoice link), drawn by the printer itself (GS ( k), so its content stays in the byte stream."""
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
            if qr:
                device._raw(ESC_ALIGN_CENTER)
                device.qr(qr, native=True, size=QR_MODULE_DOTS)
                device._raw(b"\n" + ESC_ALIGN_LEFT)
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
