"""python-escpos is imported on the first printer opened, with its capabilities pickled once in the user cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys, tempfile
from station.devices.printer import PrinterConfig, ReceiptPrinter
assert "escpos" not in sys.modules, "escpos imported with the printer module"
printer = ReceiptPrinter(PrinterConfig(kind="none"))
printer.print_lines(["加气小票"])
assert "escpos" in sys.modules and printer.dummy_output
print(tempfile.gettempdir())
"""


def run_probe(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(tmp_path / "tmp"))
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "tmp")


def test_escpos_capabilities_cached_and_no_temporary_directory_left(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    cache = tmp_path / "cache" / "cng-station" / "escpos"
    run_probe(tmp_path)  # the first import parses the capabilities and pickles them
    pickles = list(cache.glob("*.capabilities.pickle"))
    assert len(pickles) == 1 and pickles[0].stat().st_size > 0
    made = pickles[0].stat().st_mtime_ns
    run_probe(tmp_path)  # the next one reads the pickle
    assert pickles[0].stat().st_mtime_ns == made
    assert list(cache.iterdir()) == pickles  # no private directory left behind
    assert list((tmp_path / "tmp").iterdir()) == []  # nor python-escpos's mkdtemp()
