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


FIRST_FRAME = """
import sys
import station.core.entry
import station.i18n
import station.tui.app
import station.tui.common
import station.tui.screens.login
import station.tui.widgets.footer
print(" ".join(sorted(sys.modules)))
"""

# The first frame is painted before the core is opened: none of what the core stands on is loaded for it.
HEAVY = ("sqlalchemy", "pydantic", "station.ledger", "station.devices", "station.core.station", "station.config")


def test_the_first_frame_loads_neither_the_core_nor_the_orm() -> None:
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, check=True).stdout
    modules = set(out.split())
    assert "station.tui.screens.login" in modules
    loaded = sorted(m for m in modules if m in HEAVY or m.startswith(tuple(h + "." for h in HEAVY)))
    assert loaded == []
