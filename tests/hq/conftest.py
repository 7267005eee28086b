"""Head office fixtures: a migrated schema on the test PostgreSQL, station keys, a real uvicorn process."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from station.hq.db import make_engine, upgrade
from station.hq.signing import sign
from station.hq.stations import add_station

STATIONS = ("DY-0001", "DY-0002", "DY-0003")
AT = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)
ADMIN_KEY = b"head-office-admin-key-" + b"a" * 16


@pytest.fixture
def hq_url(pg_schema_url: str) -> str:
    upgrade(pg_schema_url)
    return pg_schema_url


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, bytes]:
    out = {}
    for i, code in enumerate(STATIONS):
        key = f"station-secret-{i}-{'k' * 24}".encode()
        (tmp_path / f"{code}.key").write_bytes(key + b"\n")
        out[code] = key
    return out


@pytest.fixture
def hq_engine(hq_url: str, keys: dict[str, bytes], tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(hq_url, pool_size=2)
    for code in STATIONS:
        add_station(engine, code, tmp_path / f"{code}.key")
    yield engine
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Station:
    """A station's end of the wire: signs what it sends with its own key."""

    def __init__(self, base: str, code: str, key: bytes) -> None:
        self.code, self.key = code, key
        self.http = httpx.Client(base_url=base, timeout=30)

    def post(
        self, path: str, body: dict[str, Any], *, key: bytes | None = None, code: str | None = None
    ) -> httpx.Response:
        raw = json.dumps(body).encode()
        headers = {"X-Station": code or self.code, "X-Signature": sign(key or self.key, raw)}
        return self.http.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers={"X-Station": self.code, "X-Signature": sign(self.key, path.encode())})

    def send(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        answer = self.post("/v1/ingest", {"station": self.code, "events": events})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def event(code: str, seq: int, kind: str = "sale", **payload: Any) -> dict[str, Any]:
    at = AT + dt.timedelta(minutes=seq)
    return {"seq": seq, "key": f"{code}:{kind}:{seq}", "kind": kind, "at": at.isoformat(), "payload": payload}


class Server:
    """``station hq serve`` in its own process on a loopback port, its output in a log file."""

    def __init__(self, url: str, tmp_path: Path, port: int | None = None, extra: tuple[str, ...] = ()) -> None:
        self.url, self.tmp_path, self.extra = url, tmp_path, extra
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        (tmp_path / "admin.key").write_bytes(ADMIN_KEY)
        self.log = tmp_path / f"hq-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [sys.executable, "-m", "station.cli", "hq", "serve", "--db", self.url, "--port", str(self.port)]
        argv += ["--admin-key-file", str(self.tmp_path / "admin.key"), *self.extra]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "STATION_DEBUG": "1"}
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"station hq serve did not start: {self.log.read_text()[-2000:]}")
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: whatever transaction is open dies with the process (PostgreSQL rolls it back)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def hq_process(hq_engine: Engine, hq_url: str, tmp_path: Path) -> Iterator[Server]:
    server = Server(hq_url, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hq_server(hq_process: Server, keys: dict[str, bytes]) -> Iterator[dict[str, Station]]:
    """A client per station of the running head office, and ``HQ`` signing with the admin key."""
    clients = {code: Station(hq_process.base, code, keys[code]) for code in STATIONS}
    clients["HQ"] = Station(hq_process.base, "HQ", ADMIN_KEY)
    try:
        yield clients
    finally:
        for client in clients.values():
            client.http.close()
