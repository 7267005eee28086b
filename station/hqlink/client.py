"""Head office's API as the station calls it: high-water mark, ingest, pull. Every request signed (HMAC-SHA256
of the body, or of a GET's path and query, under the station's key). A line that is down, a timeout or a 5xx
is :class:`LineDown` (the worker backs off and tries again); a 4xx is :class:`Refused` (a setting is wrong:
the key, the code), which no retry mends."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


class LineDown(Exception):
    """No answer from head office (the line, a timeout, a restart): try again later."""


class Refused(Exception):
    """Head office refused the request (401/403/4xx): the station's key or code is wrong."""


class CardRefused(Exception):
    """Head office refused a company card's hold: ``blocked``, ``insufficient``, ``unknown``…"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Ingested:
    high_water: int
    accepted: int
    duplicates: int
    gaps: list[tuple[int, int]] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)


def read_key(path: str | Path) -> bytes:
    """The key file's bytes, surrounding whitespace stripped (an editor's final newline is not part of it)."""
    key = Path(path).read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"key file {path} holds fewer than 16 bytes")
    return key


class HeadOffice:
    def __init__(self, url: str, station: str, key: bytes, *, timeout_s: float = 10.0) -> None:
        self.station = station
        self._key = key
        self._http = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _sign(self, message: bytes) -> dict[str, str]:
        return {"X-Station": self.station, "X-Signature": hmac.new(self._key, message, hashlib.sha256).hexdigest()}

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, timeout_s: float | None = None
    ) -> Any:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = self._sign(raw if body is not None else path.encode())
        if body is not None:
            headers["Content-Type"] = "application/json"
        timeout = httpx.USE_CLIENT_DEFAULT if timeout_s is None else httpx.Timeout(timeout_s)
        try:
            answer = await self._http.request(method, path, content=raw or None, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            raise LineDown(f"{method} {path}: {type(exc).__name__}") from None
        if answer.status_code >= 500:
            raise LineDown(f"{method} {path}: {answer.status_code}")
        if answer.status_code in (404, 409) and path.startswith("/v1/cards/"):
            try:
                reason = str(answer.json().get("refused", ""))
            except ValueError:
                reason = ""
            if reason:
                raise CardRefused(reason)
        if answer.status_code >= 400:
            raise Refused(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
        try:
            return answer.json()
        except ValueError:
            raise LineDown(f"{method} {path}: not JSON") from None

    async def high_water(self) -> tuple[int, list[tuple[int, int]]]:
        body = await self._call("GET", f"/v1/stations/{self.station}/high-water")
        return int(body["high_water"]), [(int(a), int(b)) for a, b in body.get("gaps", [])]

    async def ingest(self, events: list[dict[str, Any]]) -> Ingested:
        body = await self._call("POST", "/v1/ingest", {"station": self.station, "events": events})
        return Ingested(
            int(body["high_water"]),
            int(body.get("accepted", 0)),
            int(body.get("duplicates", 0)),
            [(int(a), int(b)) for a, b in body.get("gaps", [])],
            [int(c) for c in body.get("conflicts", [])],
        )

    async def pull(self, since: int) -> dict[str, Any]:
        body = await self._call("GET", f"/v1/stations/{self.station}/pull?since={since}")
        return dict(body)

    async def place_hold(self, card_no: str, hold_key: str, amount_fen: int, *, timeout_s: float) -> dict[str, Any]:
        """A company card's hold at head office (idempotent on ``hold_key``): its balance and held after."""
        body = {"hold_key": hold_key, "station": self.station, "amount_fen": amount_fen}
        return dict(await self._call("POST", f"/v1/cards/{card_no}/holds", body, timeout_s=timeout_s))

    async def release_hold(self, card_no: str, hold_key: str, *, timeout_s: float) -> dict[str, Any]:
        return dict(await self._call("POST", f"/v1/cards/{card_no}/holds/{hold_key}/release", {}, timeout_s=timeout_s))
