"""A loopback TCP proxy that cuts, delays and loses replies: the line between a station and head office.

Runs its own asyncio loop in a thread. ``cut()`` drops every open connection and refuses new ones until
``mend()``; ``delay`` holds each chunk that many seconds; ``lose_replies`` is the share of connections whose
reply from head office never reaches the station (the request went through: head office did the work).
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading


class FaultProxy:
    def __init__(self, upstream_port: int, *, seed: int = 15) -> None:
        self.upstream_port = upstream_port
        self.delay = 0.0
        self.lose_replies = 0.0
        self.cut_off = False
        self.lost = 0
        self._random = random.Random(seed)
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        lose = self._random.random() < self.lose_replies
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer, False), self._pipe(up_reader, writer, lose))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, lose: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                if self.delay:
                    await asyncio.sleep(self.delay)
                if lose or self.cut_off:
                    self.lost += 1
                    break  # the reply dies on the line
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def cut(self) -> None:
        def _cut() -> None:
            self.cut_off = True
            for writer in list(self._writers):
                writer.close()

        self._loop.call_soon_threadsafe(_cut)

    def mend(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self, "cut_off", False)

    def close(self) -> None:
        async def _close() -> None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            # The connections still piping end here, not as tasks destroyed pending with the loop.
            current = asyncio.current_task()
            rest = [task for task in asyncio.all_tasks() if task is not current]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(_close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
