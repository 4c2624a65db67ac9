"""The bus between the processes of one machine: the server process runs `BusBroker` on a unix
socket, relay workers connect with `SocketBus`. Both are the same `Bus` interface as the
in-process bus; a Redis implementation will carry it between machines.

Each message is one JSON line: {"op": "sub"|"unsub"|"pub", "topic": ..., "msg": {...}}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from signaling.bus.base import Handler, InProcessBus, Subscription

log = logging.getLogger(__name__)

LINE_LIMIT = 1024 * 1024  # an SDP is a few kB; stats a few more


def _line(op: str, topic: str, msg: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"op": op, "topic": topic, "msg": msg}).encode() + b"\n"


class BusBroker:
    """The hub of the machine's bus, and the bus of the process that runs it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = InProcessBus()
        self._remote: dict[str, set[asyncio.StreamWriter]] = defaultdict(set)
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path),
                                                       limit=LINE_LIMIT)

    async def publish(self, topic: str, msg: dict[str, Any]) -> None:
        await self._local.publish(topic, msg)
        writers = self._remote.get(topic)
        if writers:
            line = _line("pub", topic, msg)
            for writer in list(writers):
                writer.write(line)

    def subscribe(self, topic: str, handler: Handler) -> Subscription:
        return self._local.subscribe(topic, handler)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        topics: set[str] = set()
        try:
            while line := await reader.readline():
                try:
                    data = json.loads(line)
                    op, topic = data["op"], str(data["topic"])
                except (ValueError, KeyError, TypeError):
                    log.warning("bus: dropping a malformed line from a client")
                    break
                if op == "sub":
                    self._remote[topic].add(writer)
                    topics.add(topic)
                elif op == "unsub":
                    self._remote[topic].discard(writer)
                    topics.discard(topic)
                elif op == "pub" and isinstance(data.get("msg"), dict):
                    await self.publish(topic, data["msg"])
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # The broker is closing. Ending quietly, not as cancelled: Python 3.11's stream
            # server asks a cancelled handler for its exception and logs a traceback.
            pass
        finally:
            for topic in topics:
                self._remote[topic].discard(writer)
            writer.close()
            self._clients.discard(task)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._clients):
                task.cancel()
            await self._server.wait_closed()
        self.path.unlink(missing_ok=True)


class _RemoteSubscription:
    def __init__(self, bus: SocketBus, topic: str, inner: Subscription) -> None:
        self._bus, self._topic, self._inner = bus, topic, inner

    def cancel(self) -> None:
        self._inner.cancel()
        self._bus._maybe_unsubscribe(self._topic)


class SocketBus:
    """A process's connection to the machine's `BusBroker`."""

    def __init__(self) -> None:
        self._local = InProcessBus()
        self._counts: dict[str, int] = defaultdict(int)
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    async def connect(self, path: Path) -> None:
        reader, self._writer = await asyncio.open_unix_connection(str(path), limit=LINE_LIMIT)
        self._reader_task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                data = json.loads(line)
                await self._local.publish(data["topic"], data["msg"])
        except (ConnectionError, ValueError, KeyError):
            log.warning("bus: connection to the broker lost")
        finally:
            self.closed.set()

    async def publish(self, topic: str, msg: dict[str, Any]) -> None:
        assert self._writer is not None
        self._writer.write(_line("pub", topic, msg))
        await self._writer.drain()

    def subscribe(self, topic: str, handler: Handler) -> Subscription:
        assert self._writer is not None
        self._counts[topic] += 1
        if self._counts[topic] == 1:
            self._writer.write(_line("sub", topic))
        return _RemoteSubscription(self, topic, self._local.subscribe(topic, handler))

    def _maybe_unsubscribe(self, topic: str) -> None:
        self._counts[topic] -= 1
        if self._counts[topic] <= 0 and self._writer is not None:
            del self._counts[topic]
            self._writer.write(_line("unsub", topic))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
