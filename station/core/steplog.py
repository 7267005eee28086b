"""The step log: sequence steps written in order on a thread of their own, never on the event loop.

A step happens on the event loop (a key press, a dispenser frame) and must not wait for the database there:
SQLite can be locked for seconds by another writer, and the same loop carries the E-STOP key. One writer
thread keeps the steps in the order they happened; ``flushed()`` waits (off the loop) until every step
handed over so far is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class StepLog:
    def __init__(self, write: Callable[..., None]) -> None:
        self._write = write
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="step-log")
        self._last: Future[None] | None = None
        self._closed = False

    def append(self, **fields: Any) -> None:
        """Hand one step to the writer and return at once; steps are written in the order handed over."""
        if self._closed:  # the core has stopped: nothing is left to hold up, write it here
            self._write_one(fields)
            return
        self._last = self._executor.submit(self._write_one, fields)

    def _write_one(self, fields: dict[str, Any]) -> None:
        try:
            self._write(**fields)
        except Exception:  # a lost step is logged; it must never stop the sequence or the forecourt
            log.exception("could not record step %s", fields.get("step"))

    async def flushed(self) -> None:
        """Return once every step handed over so far is written (or has failed and been logged)."""
        last = self._last
        if last is not None and not last.done():
            await asyncio.shield(asyncio.wrap_future(last))

    def close(self) -> None:
        """Write what is queued, then stop the thread (called off the loop, or when nothing is pending)."""
        self._closed = True
        self._executor.shutdown(wait=True)
