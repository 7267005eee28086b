"""The ``station`` console script on bad ground (issue 10 #9): a read-only database, a mistyped path, bad URLs
and arguments. Each ends in one line on stderr and a non-zero exit, never a traceback; only ``db upgrade``
creates a database.

Read-only, as root sees it: tests run as root, for whom chmod changes nothing, so the database file (and, for
a read-only filesystem, its directory) is made immutable with ``chattr +i``; a non-root run uses chmod.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from station.ledger.db import upgrade
from station.runtime import open_station
from station.seed import seed_demo

STATION = str(Path(sys.executable).with_name("station"))
ROOT = Path(__file__).resolve().parents[2]


def station(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "STATION_PIN_KEY": str(tmp_path / "pin.key"),
        "STATION_CONFIG": str(ROOT / "config" / "station.toml"),
    }
    return subprocess.run([STATION, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Non-zero, one line on stderr, no traceback; returns the line."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("STATION_PIN_KEY", str(tmp_path / "pin.key"))
    (tmp_path / "db").mkdir()
    runtime = open_station(f"sqlite:///{tmp_path / 'db' / 'station.db'}")
    seed_demo(runtime.ledger)
    runtime.close()
    return f"sqlite:///{tmp_path / 'db' / 'station.db'}"


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    if shutil.which("chattr") is None:
        _cannot("root needs chattr to make a file read-only, and chattr is not installed")
    done: list[Path] = []
    try:
        for p in paths:
            result = subprocess.run(["chattr", "+i", str(p)], capture_output=True, text=True)
            if result.returncode != 0:
                _cannot(f"chattr +i not supported here: {result.stderr.strip()}")
            done.append(p)
        yield
    finally:
        for p in done:
            subprocess.run(["chattr", "-i", str(p)], check=True)


def test_a_read_only_filesystem_gets_one_line_from_every_command(tmp_path: Path, seeded: str) -> None:
    folder = tmp_path / "db"
    with read_only(folder / "station.db", folder):
        for args in (
            ["db", "upgrade"],
            ["db", "check"],
            ["db", "backup", str(tmp_path / "copy.db")],
            ["audit", "verify"],
            ["report", "unpaid"],
            ["report", "shift"],
            ["report", "day", "--date", "2026-11-21"],
            ["report", "card", "88000001"],
        ):
            refused(station(tmp_path, *args, "--db", seeded), "error:")


def test_a_read_only_database_file_is_still_read_and_never_written(tmp_path: Path, seeded: str) -> None:
    """Reports, checks and the audit verify only read: they work on a read-only file (they used to write)."""
    older = f"sqlite:///{tmp_path / 'older.db'}"
    upgrade(older, "0003")
    with read_only(tmp_path / "db" / "station.db", tmp_path / "older.db"):
        for args in (
            ["report", "unpaid"],
            ["report", "day", "--date", "2026-11-21"],
            ["db", "check"],
            ["audit", "verify"],
        ):
            result = station(tmp_path, *args, "--db", seeded)
            assert result.returncode == 0 and not result.stderr, (args, result.stderr)
        refused(station(tmp_path, "db", "upgrade", "--db", older), "error:", "readonly")


def test_a_mistyped_path_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "statoin.db"
    for args in (
        ["report", "unpaid"],
        ["report", "shift"],
        ["db", "check"],
        ["db", "backup", str(tmp_path / "copy.db")],
        ["audit", "verify"],
        ["run"],
    ):
        refused(station(tmp_path, *args, "--db", f"sqlite:///{missing}"), "no database at", str(missing))
    assert not missing.parent.exists() and not (tmp_path / "copy.db").exists()
    (tmp_path / "empty.db").touch()  # an empty file is no station database either
    refused(station(tmp_path, "report", "unpaid", "--db", f"sqlite:///{tmp_path / 'empty.db'}"), "no schema")
    older = f"sqlite:///{tmp_path / 'older.db'}"
    upgrade(older, "0003")
    refused(station(tmp_path, "report", "unpaid", "--db", older), "station db upgrade")
    # and the one command that creates a database still does
    fresh = tmp_path / "new" / "station.db"
    assert station(tmp_path, "db", "upgrade", "--db", f"sqlite:///{fresh}").returncode == 0 and fresh.is_file()


def test_bad_urls_config_and_arguments(tmp_path: Path, seeded: str) -> None:
    for url, words in (
        ("garbage", ("not a usable database URL",)),
        ("mysql://x@localhost/z", ("not a usable database URL",)),
        ("postgresql://postgres@127.0.0.1:notaport/test", ("not a usable database URL",)),
        ("postgresql://postgres@127.0.0.1:1/test", ("cannot read", "refused")),
        ("postgresql://postgres@127.0.0.1:5432/test%00", ("NUL",)),
        ("sqlite:///file:/nowhere/x.db?mode=ro&uri=true", ("no database at",)),
    ):
        refused(station(tmp_path, "report", "unpaid", "--db", url), *words)
    refused(station(tmp_path, "db", "upgrade", "--db", "postgresql://postgres@127.0.0.1:5432/x%00y"), "NUL")
    refused(station(tmp_path, "report", "unpaid", "--db", seeded, "--config", str(tmp_path)), "directory")
    refused(station(tmp_path, "report", "shift", "--db", seeded, "--id", str(2**70)), "--id", "2147483647")
    refused(station(tmp_path, "report", "shift", "--db", seeded, "--id", "-1"), "--id")
    refused(station(tmp_path, "report", "day", "--db", seeded, "--date", "0001-01-01"), "--date", "2000-01-01")
    refused(station(tmp_path, "report", "card", "88000001", "--db", seeded, "--from", "0001-01-01"), "--from")
    refused(station(tmp_path, "report", "card", "x" * 300, "--db", seeded, "--lang", "en"), "card")
    assert station(tmp_path, "report", "unpaid", "--db", seeded).returncode == 0


@pytest.mark.postgres
def test_bad_ground_on_postgresql(tmp_path: Path, pg_schema_url: str) -> None:
    refused(station(tmp_path, "report", "unpaid", "--db", pg_schema_url), "no schema")  # not yet upgraded
    assert station(tmp_path, "db", "upgrade", "--db", pg_schema_url).returncode == 0
    base, _, query = pg_schema_url.partition("?")
    missing = base.rsplit("/", 1)[0] + "/no_such_database" + ("?" + query if query else "")
    refused(station(tmp_path, "report", "unpaid", "--db", missing), "does not exist")
    refused(station(tmp_path, "report", "shift", "--db", pg_schema_url, "--id", str(2**70)), "--id")
    refused(station(tmp_path, "report", "overrides", "--db", pg_schema_url, "--id", str(2**31)), "--id")
    refused(station(tmp_path, "report", "day", "--db", pg_schema_url, "--date", "0001-01-01"), "--date")
    refused(station(tmp_path, "report", "card", "9" * 5000, "--db", pg_schema_url, "--lang", "en"), "card")
    refused(station(tmp_path, "report", "card", "鲁E\u0001x", "--db", pg_schema_url, "--lang", "en"), "card")
    result = station(tmp_path, "report", "shift", "--db", pg_schema_url, "--id", "2147483647")
    refused(result, "shift")
    assert station(tmp_path, "report", "unpaid", "--db", pg_schema_url).returncode == 0


def test_reading_commands_never_wait_for_the_write_lock(tmp_path: Path, seeded: str) -> None:
    """A sale holds the write lock: reports, checks and the audit verify read past it (their opening look too)."""
    import sqlite3

    writer = sqlite3.connect(tmp_path / "db" / "station.db", isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    try:
        for args in (["report", "unpaid"], ["db", "check"], ["audit", "verify"]):
            result = station(tmp_path, *args, "--db", seeded)
            assert result.returncode == 0, (args, result.stderr)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def _cannot(reason: str) -> None:
    """No way to make a read-only database here: skip with the reason, but never silently in CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the read-only database: {reason}")
    pytest.skip(reason=reason)
