"""Reports exported to files: a PDF whose text reads back (Chinese included), a CSV with a BOM read back cell by
cell against the report's values, and `station report … --format pdf|csv --out FILE`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from station.ledger.reports.day import day_report
from station.ledger.reports.shift import shift_report
from station.ledger.services import Ledger
from station.printouts.export_csv import csv_bytes, write_csv
from station.printouts.export_pdf import pdf_bytes
from station.printouts.report import Text
from tests.conftest import FakeClock
from tests.ledger.test_reports import build_shift, run_cli

DAY = dt.date(2026, 11, 21)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_day_report_as_pdf_reads_back(ledger: Ledger, clock: FakeClock) -> None:
    build_shift(ledger, clock)
    report = day_report(ledger, DAY)
    printed = dt.datetime(2026, 11, 21, 16, 30, tzinfo=dt.UTC)  # 00:30 the next day on the station's clock
    data = pdf_bytes(report, "测试加气站", "ST001", "zh", printed_at=printed)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "日结" in text and "2026-11-21" in text
    assert "测试加气站 (ST001)" in text
    assert "打印时间: 2026-11-22 00:30:00" in text
    # Every figure of the summary is in the PDF, with its Chinese label.
    summary = report.section("summary")
    for label, value in summary.rows:
        assert isinstance(label, Text)
        assert label.zh in text
        if isinstance(value, str) and value:
            assert value in text
    assert "127.04" in text and "645.00" in text
    english = pdf_text(pdf_bytes(report, "Test station", "ST001", "en"))
    assert "Expected cash" in english and "Printed at" in english and "日结" not in english


def test_the_shift_report_as_csv_reads_back_cell_by_cell(ledger: Ledger, clock: FakeClock, tmp_path: Path) -> None:
    _desk, shift, _ids = build_shift(ledger, clock)
    report = shift_report(ledger, shift)
    path = write_csv(report, tmp_path / "shift.csv", "zh")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw == csv_bytes(report, "zh")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["report", "shift", report.title.zh, report.subject, report.generated_at.isoformat()]
    at = 1
    for section in report.sections:
        assert rows[at] == [section.key, *(c.label.zh for c in section.columns)]
        at += 1
        for row in section.rows:
            expected = [c.zh if isinstance(c, Text) else c for c in row]
            assert rows[at] == [section.key, *expected]
            at += 1
    assert at == len(rows)
    cash = dict(r[1:] for r in rows if r[0] == "cash")
    assert cash["应有现金"] == "645.00"


def test_station_report_writes_pdf_and_csv_files(
    ledger: Ledger,
    clock: FakeClock,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_shift(ledger, clock)
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    out = tmp_path / "out" / "day.pdf"
    assert run_cli(["report", "day", "--date", "2026-11-21", "--format", "pdf", "--out", str(out), "--db", db_url]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = pdf_text(out.read_bytes())
    assert "日结报表 Day report 2026-11-21" in text and "销售额 Sales" in text and "127.04" in text
    assert "东营南郊 (DY-0001)" in text and "打印时间 Printed at: " in text  # the station of the configuration

    out_csv = tmp_path / "attendants.csv"
    argv = ["report", "attendants", "--format", "csv", "--out", str(out_csv), "--lang", "en", "--db", db_url]
    assert run_cli(argv) == 0
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    header = next(r for r in rows if r[0] == "timers")
    data = next(r for r in rows if r[0] == "timers" and r is not header)
    assert dict(zip(header, data, strict=True))["Fills"] == "4"

    # A format that needs a file says so and writes nothing; text stays the default on the terminal.
    assert run_cli(["report", "day", "--format", "pdf", "--db", db_url]) == 2
    assert "--out" in capsys.readouterr().err
    taken = tmp_path / "a-folder"
    taken.mkdir()  # a file cannot be written over a folder: said, exit 2, nothing left behind
    assert run_cli(["report", "day", "--format", "csv", "--out", str(taken), "--db", db_url]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert not list(tmp_path.glob("a-folder.tmp")) and taken.is_dir()
    assert run_cli(["report", "day", "--date", "2026-11-21", "--format", "csv", "--lang", "en", "--db", db_url]) == 0
    assert "summary,Sales,127.04" in capsys.readouterr().out  # csv without --out: on the terminal, as --csv
    assert run_cli(["report", "day", "--date", "2026-11-21", "--db", db_url, "--lang", "zh"]) == 0
    assert "营业日: 2026-11-21" in capsys.readouterr().out
