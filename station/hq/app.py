"""The head office's ASGI service (FastAPI under uvicorn): every request signed by its station's key.

Handlers read the raw body first (the signature covers its bytes), then run the database work in the thread
pool: a batch of 500 events is one short transaction, and one slow station never holds the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from station.hq import cards, prices
from station.hq.ingest import UnknownStation, ingest
from station.hq.signing import signed_message, verify
from station.hq.stations import KeyRing, high_water
from station.hq.wire import Batch, HoldRequest, PriceRequest, SettleRequest

log = logging.getLogger(__name__)
ADMIN = "HQ"  # X-Station of the head office's own admin requests, signed with the admin key
# Ten thousand events of a few hundred bytes each fit many times over; past this a body is refused unread.
MAX_BODY = 32 * 1024 * 1024


class Refusal(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        raise Refusal(413, {"error": "too_large"})
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refusal(413, {"error": "too_large"})
    return bytes(body)


async def _sweep_holds(engine: Engine, expiry_s: int) -> None:
    """Every so often (a tenth of the expiry, at most a minute), the holds past it given back."""
    age = dt.timedelta(seconds=expiry_s)
    while True:
        try:
            await run_in_threadpool(cards.expire_holds, engine, age)
        except Exception:  # the database away for a moment: the next round tries again
            log.exception("hold expiry sweep failed")
        await asyncio.sleep(min(60, max(1, expiry_s // 10)))


def create_app(engine: Engine, *, admin_key: bytes | None = None, hold_expiry_s: int | None = None) -> FastAPI:
    """``hold_expiry_s``: online holds left unsettled this long are given back by a sweep (None: no sweep)."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sweep = None if hold_expiry_s is None else asyncio.create_task(_sweep_holds(engine, hold_expiry_s))
        try:
            yield
        finally:
            if sweep is not None:
                sweep.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweep

    app = FastAPI(
        title="station head office", version="1", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    keys = KeyRing(engine)

    @app.exception_handler(Refusal)
    async def _refused(_request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.exception_handler(ValidationError)
    async def _invalid(_request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(
            {
                "error": "invalid",
                "detail": exc.errors(include_url=False, include_input=False, include_context=False)[:5],
            },
            status_code=422,
        )

    async def signed(request: Request, *, admin: bool = False) -> tuple[str, bytes]:
        """The station that signed the request and its raw body; 401 when the signature does not hold."""
        body = await _read_body(request)
        station = request.headers.get("x-station", "")
        signature = request.headers.get("x-signature", "")
        if admin:
            key = admin_key if station == ADMIN else None
        else:
            key = await run_in_threadpool(keys.key, station)
        message = signed_message(request.method, request.url.path, request.url.query, body)
        if key is None or not signature or not verify(key, message, signature):
            log.warning("refused %s %s: bad signature or unknown station %r", request.method, request.url.path, station)
            raise Refusal(401, {"error": "unauthorized"})
        return station, body

    def same_station(signer: str, named: str) -> None:
        if signer != named:
            raise Refusal(403, {"error": "station_mismatch"})

    @app.post("/v1/ingest")
    async def post_ingest(request: Request) -> JSONResponse:
        signer, body = await signed(request)
        batch = Batch.model_validate_json(body)
        same_station(signer, batch.station)
        try:
            result = await run_in_threadpool(ingest, engine, batch.station, batch.events)
        except UnknownStation as exc:
            raise Refusal(401, {"error": "unauthorized"}) from exc
        return JSONResponse(result.as_json())

    @app.get("/v1/stations/{code}/high-water")
    async def get_high_water(code: str, request: Request) -> JSONResponse:
        signer, _ = await signed(request)
        same_station(signer, code)

        def read() -> Any:
            with engine.connect() as conn:
                return high_water(conn, code)

        mark = await run_in_threadpool(read)
        if mark is None:
            raise Refusal(401, {"error": "unauthorized"})
        return JSONResponse({"high_water": mark[0], "gaps": [list(g) for g in mark[1]]})

    @app.get("/v1/stations/{code}/pull")
    async def get_pull(code: str, request: Request, since: int = 0) -> JSONResponse:
        signer, _ = await signed(request)
        same_station(signer, code)

        def read() -> dict[str, Any]:
            # READ COMMITTED on purpose: the pull first waits out, then holds, the version lock (current_version),
            # so every statement after it sees each card-moving ingest whole or not at all, and the cards and this
            # station's high-water mark agree. A REPEATABLE READ snapshot would be taken before the lock is granted
            # and miss the version it reports (found by the two-station company card test under load).
            with engine.begin() as conn:
                return prices.pull(conn, code, since)

        return JSONResponse(await run_in_threadpool(read))

    def hold_call(fn: Any, *args: Any) -> Any:
        try:
            return fn(engine, *args).as_json()
        except cards.HoldRefused as exc:
            raise Refusal(404 if exc.reason in ("unknown", "no_hold") else 409, {"refused": exc.reason}) from exc

    @app.post("/v1/cards/{card_no}/holds")
    async def post_hold(card_no: str, request: Request) -> JSONResponse:
        signer, body = await signed(request)
        hold = HoldRequest.model_validate_json(body)
        same_station(signer, hold.station)
        answer = await run_in_threadpool(
            hold_call, cards.place_hold, card_no, hold.hold_key, hold.station, hold.amount_fen
        )
        return JSONResponse(answer)

    @app.post("/v1/cards/{card_no}/holds/{hold_key}/settle")
    async def post_settle(card_no: str, hold_key: str, request: Request) -> JSONResponse:
        signer, body = await signed(request)
        settle = SettleRequest.model_validate_json(body)
        answer = await run_in_threadpool(hold_call, cards.settle_hold, card_no, hold_key, settle.amount_fen, signer)
        return JSONResponse(answer)

    @app.post("/v1/cards/{card_no}/holds/{hold_key}/release")
    async def post_release(card_no: str, hold_key: str, request: Request) -> JSONResponse:
        signer, _ = await signed(request)
        return JSONResponse(await run_in_threadpool(hold_call, cards.release_hold, card_no, hold_key, signer))

    @app.post("/v1/prices")
    async def post_prices(request: Request) -> JSONResponse:
        _signer, body = await signed(request, admin=True)
        req = PriceRequest.model_validate_json(body)
        items = [i.model_dump() for i in req.items]
        try:
            schedule = await run_in_threadpool(prices.push_schedule, engine, req.stations, req.effective_at, items)
        except ValueError as exc:
            raise Refusal(422, {"error": str(exc)}) from exc
        return JSONResponse({"schedule_version": schedule})

    return app
