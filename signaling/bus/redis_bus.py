"""The bus between nodes, on Redis pub/sub.

Page topics (a ticket's, a station's, a facility's console) reach every node: a message is
handed to this node's own subscribers at once and published on Redis for the others, each
Redis channel carrying the publishing node's id so a node skips its own messages coming back.
Everything else (the relay workers' topics) stays on the machine's bus underneath.

Why pub/sub and not streams: a page needs every message from the moment it subscribes and
nothing older, every node needs all of them (fan-out, not a work queue), and a page that missed
some (its node lost Redis for a moment, it reconnected) is sent a whole view again by the hub.
Streams would keep a history nobody reads and need trimming and one reader per node anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from signaling.bus.base import Bus, Handler, Subscription

log = logging.getLogger(__name__)

# staff: a revoked session closes its consoles on every node within a second.
CLUSTER_TOPICS = ("ticket:", "station:", "console:", "hub:", "staff:")


def is_cluster_topic(topic: str) -> bool:
    return topic.startswith(CLUSTER_TOPICS)


class _Subscription:
    def __init__(self, bus: RedisBus, topic: str, handler: Handler) -> None:
        self._bus, self._topic, self._handler = bus, topic, handler

    def cancel(self) -> None:
        self._bus._drop(self._topic, self._handler)


class RedisBus:
    """The node's bus: `local` for the machine, Redis for page topics between nodes."""

    def __init__(self, local: Bus, redis: Redis, prefix: str, node_id: str) -> None:
        self._local = local
        self._redis = redis
        self._prefix = f"{prefix}bus:"
        self._node_id = node_id
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changes: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._subscriber: asyncio.Task[None] | None = None
        self.published = 0  # Redis commands this node sent for the bus, for the benchmark

    async def start(self) -> None:
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        # A channel of the node's own, so the reader always has something to listen to.
        await self._pubsub.subscribe(f"{self._prefix}node:{self._node_id}")
        self._reader = asyncio.create_task(self._read())
        self._subscriber = asyncio.create_task(self._apply_changes())

    async def close(self) -> None:
        for task in (self._reader, self._subscriber):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, topic: str, msg: dict[str, Any]) -> None:
        if not is_cluster_topic(topic):
            await self._local.publish(topic, msg)
            return
        await self._deliver(topic, msg)
        envelope = json.dumps({"o": self._node_id, "m": msg}, separators=(",", ":"))
        try:
            self.published += 1
            await self._redis.publish(self._prefix + topic, envelope)
        except (RedisError, OSError) as exc:
            # This node's pages have it; the others get the whole view again when it is back.
            log.warning("bus message not sent to the other nodes: %s", type(exc).__name__)

    def subscribe(self, topic: str, handler: Handler) -> Subscription:
        if not is_cluster_topic(topic):
            return self._local.subscribe(topic, handler)
        handlers = self._handlers[topic]
        if not handlers:
            self._changes.put_nowait(("sub", topic))
        handlers.append(handler)
        return _Subscription(self, topic, handler)

    def _drop(self, topic: str, handler: Handler) -> None:
        handlers = self._handlers.get(topic)
        if handlers and handler in handlers:
            handlers.remove(handler)
            if not handlers:
                del self._handlers[topic]
                self._changes.put_nowait(("unsub", topic))

    async def _deliver(self, topic: str, msg: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(topic, ())):
            try:
                await handler(msg)
            except Exception:  # one page's broken socket must not stop the others
                log.exception("bus handler failed for %s", topic)

    async def _apply_changes(self) -> None:
        """SUBSCRIBE and UNSUBSCRIBE in the order pages came and went (subscribe is called
        from synchronous code, so the Redis side follows here)."""
        assert self._pubsub is not None
        while True:
            op, topic = await self._changes.get()
            wanted = bool(self._handlers.get(topic))
            channel = self._prefix + topic
            while True:
                try:
                    if op == "sub" and wanted:
                        await self._pubsub.subscribe(channel)
                    elif op == "unsub" and not wanted:
                        await self._pubsub.unsubscribe(channel)
                    break
                except (RedisError, OSError) as exc:
                    log.warning("redis subscription change failed: %s", type(exc).__name__)
                    await asyncio.sleep(0.5)
            self._changes.task_done()

    async def settled(self) -> None:
        """Once every subscription asked for so far is in place on Redis."""
        await self._changes.join()

    async def _read(self) -> None:
        assert self._pubsub is not None
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                # redis-py reconnects and subscribes again to every channel on the next read.
                log.warning("redis bus read failed, retrying: %s", type(exc).__name__)
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            if isinstance(channel, bytes):
                channel = channel.decode()
            try:
                envelope = json.loads(message["data"])
            except (ValueError, TypeError):
                continue
            if envelope.get("o") == self._node_id:
                continue  # delivered here when it was published
            await self._deliver(channel.removeprefix(self._prefix), envelope["m"])
