"""A report as a CSV file a spreadsheet opens: UTF-8 with a byte-order mark (so Excel reads the Chinese), the
layout of :func:`station.printouts.report.to_csv` (a first row naming the report; per section a header row
``<section key>, <column labels…>``, then one row per table row ``<section key>, <cells…>``)."""

from __future__ import annotations

import os
from pathlib import Path

from station.printouts.report import Lang, Report, to_csv

BOM = "\ufeff"


def csv_bytes(report: Report, lang: Lang = "both") -> bytes:
    """The whole file: the BOM, then the rows; ``\\r\\n`` line ends, as spreadsheets on Windows write them."""
    return (BOM + to_csv(report, lang, lineterminator="\r\n")).encode("utf-8")


def write_csv(report: Report, path: Path, lang: Lang = "both") -> Path:
    """Write the file whole or not at all (a temporary file renamed over the target)."""
    return write_atomic(path, csv_bytes(report, lang))


def write_atomic(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # no half file left behind
        raise
    return path
