"""Reports at 80 columns: a table too wide for the screen is shown row by row, never wrapped mid-column."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Static

from station.printouts.report import Column, Section, Text
from station.tui.app import StationApp
from station.tui.screens.desk.reports import ReportsScreen
from station.tui.screens.forecourt import OverviewScreen
from station.tui.widgets.report_view import table_lines
from tests.conftest import until
from tests.tui.test_snapshots import make_core, record


def test_a_narrow_table_is_aligned_and_a_wide_one_is_shown_row_by_row() -> None:
    narrow = Section(
        "t",
        Text("表", "Table"),
        (Column("a", Text("面额", "Denomination")), Column("b", Text("张数", "Pieces"))),
        (("100.00", "3"), ("0.50", "12")),
    )
    assert table_lines(narrow, "en", 76) == ["Denomination  Pieces", "100.00        3", "0.50          12"]
    columns = tuple(Column(f"c{i}", Text(f"第{i}列", f"Column {i}")) for i in range(9))
    wide = Section("w", Text("宽表", "Wide"), columns, (tuple(f"value {i} of the row" for i in range(9)),))
    lines = table_lines(wide, "en", 76)
    assert len(lines) > 1 and lines[0].startswith("• Column 0: value 0 of the row · ")
    assert all(cell_len(line) <= 76 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_unpaid_report_fits_80_columns_without_wrapping(tmp_path: Path, lang: str) -> None:
    core, _clock = make_core(tmp_path)
    record(core, 7, 2000, nozzle=2)
    record(core, 8, 1234, nozzle=1)
    manager = core.ledger.authenticate("9001", "9999")
    app = StationApp(core, language=lang)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, OverviewScreen))
        screen = ReportsScreen(manager)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("4")  # unpaid fills: a table of many columns
        await until(lambda: screen.report is not None and screen.report.kind == "unpaid")
        await pilot.pause()
        report = screen.query_one("#report", Static)
        lines = str(report.render()).splitlines()
        assert len(lines) > 4
        assert report.size.height == len(lines)  # one screen row per line: nothing wrapped
        assert all(cell_len(line) <= report.size.width for line in lines)
