"""What the terminal's first frame needs is all it imports: no printer library, no Alembic, no screen that is
not showing yet (issue 12: start-up)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import station.cli.run
import station.runtime
import station.tui.app
print(" ".join(sorted(sys.modules)))
"""

NOT_YET = (
    "escpos",
    "alembic",
    "station.tui.screens.cards",
    "station.tui.screens.desk",
    "station.tui.screens.unloading",
    "station.tui.screens.sequence",
    "station.tui.modals.sim_panel",
)


def test_the_terminal_imports_only_what_its_first_frame_needs() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    modules = set(out.split())
    assert "station.tui.screens.login" in modules
    assert sorted(m for m in modules if m.startswith(NOT_YET)) == []
