"""``station run`` starts its terminal before the station is open (issue 12): a SQLite file that is there but
is no station database is found behind the first frame, and still refused in one line with code 2, after the
terminal is put back; a missing file is refused before any terminal (tests/ledger/test_cli_bad_ground.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STATION = str(Path(sys.executable).with_name("station"))
ROOT = Path(__file__).resolve().parents[2]


def test_a_file_that_is_no_station_database_ends_the_terminal_with_one_line_and_code_2(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "STATION_PIN_KEY": str(tmp_path / "pin.key"),
        "STATION_CONFIG": str(ROOT / "config" / "station.toml"),
        "STATION_LOG": str(tmp_path / "station.log"),
    }
    result = subprocess.run(
        [STATION, "run", "--db", f"sqlite:///{tmp_path / 'empty.db'}", "--spool", str(tmp_path / "spool")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr[-500:]
    assert "Traceback" not in result.stderr
    # the terminal's own output (written to stderr here, with no terminal attached) comes first; the line last
    last = result.stderr.rstrip().rsplit("\x1b[", 1)[-1]
    assert last.endswith(
        "error: not a station database (no schema): check --db (station db upgrade creates a database)"
    )


def test_the_first_frame_is_titled_and_worded_as_the_configuration_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """peek_station reads the file station.config reads (the default one too), without the pydantic model."""
    from station.cli.run import peek_station
    from station.config import load_settings

    monkeypatch.delenv("STATION_CONFIG", raising=False)
    settings = load_settings(None)
    assert peek_station(None) == (settings.station.name, settings.station.language)
    english = tmp_path / "station.toml"
    text = (ROOT / "config" / "station.toml").read_text(encoding="utf-8")
    english.write_text(text.replace('language = "zh"', 'language = "en"', 1), encoding="utf-8")
    monkeypatch.setenv("STATION_CONFIG", str(english))
    assert peek_station(None) == (settings.station.name, "en")
    assert peek_station(str(tmp_path / "missing.toml")) == ("", None)  # told when it is read in full
