"""What one page socket is sent, queued and written by one task of its own.

Whoever publishes (the facility's hub, for every page at once) only appends here and never waits
for a page: a phone on a slow line, or a client that never reads, holds up nobody else. The queue
is bounded; when a page lets it fill, the page is not keeping up, and its connection is dropped
(its script reconnects and is sent the state afresh) instead of the server holding more and more
for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# A page is sent small messages (a queue update is ~200 bytes, the console's picture of the day a
# few kB), so this is minutes of backlog for a page on a working line.
MAX_QUEUED_BYTES = 256 * 1024
MAX_QUEUED_MESSAGES = 500


class SendQueue:
    def __init__(self, request: web.Request, ws: web.WebSocketResponse,
                 max_bytes: int = MAX_QUEUED_BYTES,
                 max_messages: int = MAX_QUEUED_MESSAGES) -> None:
        self._request = request
        self._ws = ws
        self._max_bytes = max_bytes
        self._max_messages = max_messages
        self._pending: deque[str] = deque()
        self._bytes = 0
        self._wake = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()
        self.dropped = False
        self._task = asyncio.create_task(self._write())

    def put(self, msg: dict[str, Any]) -> None:
        if self.dropped or self._ws.closed:
            return
        text = json.dumps(msg)
        if (self._bytes + len(text) > self._max_bytes
                or len(self._pending) >= self._max_messages):
            self._drop()
            return
        self._pending.append(text)
        self._bytes += len(text)
        self._empty.clear()
        self._wake.set()

    async def flush(self, within: float = 2.0) -> None:
        """Until what is queued has been handed to the connection (or `within` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._empty.wait(), within)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _write(self) -> None:
        while True:
            if not self._pending:
                self._empty.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            text = self._pending.popleft()
            self._bytes -= len(text)
            if self._ws.closed:
                continue
            try:
                await self._ws.send_str(text)
            except ConnectionError:  # the page went away; its socket's reader sees it too
                self._pending.clear()
                self._bytes = 0
                self._empty.set()
                return

    def _drop(self) -> None:
        """The page is not reading: cut its connection. No close handshake, which it would not
        read either; its socket handler then ends as for any lost connection."""
        self.dropped = True
        log.warning("dropping a page socket that does not read (%d messages, %d bytes queued)",
                    len(self._pending), self._bytes)
        self._pending.clear()
        self._bytes = 0
        self._empty.set()
        self._task.cancel()
        transport = self._request.transport
        if transport is not None:
            transport.abort()
