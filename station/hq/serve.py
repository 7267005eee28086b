"""``station hq serve``: the head office's app under uvicorn, on the database it was given."""

from __future__ import annotations

import logging

from station.hq.app import create_app
from station.hq.db import make_engine, resolve_url


def serve(
    url: str | None,
    host: str,
    port: int,
    *,
    admin_key: bytes | None = None,
    workers_pool: int = 20,
    hold_expiry_s: int | None = 6 * 3600,
) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = make_engine(resolve_url(url), pool_size=workers_pool, max_overflow=0)
    try:
        uvicorn.run(
            create_app(engine, admin_key=admin_key, hold_expiry_s=hold_expiry_s),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        engine.dispose()
