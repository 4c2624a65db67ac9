"""The bus between nodes on a real Redis of the test's own (a private redis-server on a free
port, so it can be restarted without touching anyone else's): a message published on one node
reaches the other node's subscribers once, its own subscribers at once and never twice, and
after Redis restarts the nodes subscribe again and messages flow."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from signaling.bus.base import InProcessBus
from signaling.bus.redis_bus import RedisBus
from tests.nodes import PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@contextlib.asynccontextmanager
async def node_bus(url: str, node_id: str) -> AsyncIterator[RedisBus]:
    redis = Redis.from_url(url)
    bus = RedisBus(InProcessBus(), redis, "t:", node_id)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()
        await redis.aclose()


async def test_messages_cross_nodes_once_and_survive_a_redis_restart(
        private_redis: PrivateRedis) -> None:
    async with node_bus(private_redis.url, "a") as a, node_bus(private_redis.url, "b") as b:
        on_a: list[dict[str, Any]] = []
        on_b: list[dict[str, Any]] = []

        async def keep_a(msg: dict[str, Any]) -> None:
            on_a.append(msg)

        async def keep_b(msg: dict[str, Any]) -> None:
            on_b.append(msg)

        a.subscribe("console:1", keep_a)
        b.subscribe("console:1", keep_b)
        relay_only: list[dict[str, Any]] = []

        async def keep_relay(msg: dict[str, Any]) -> None:
            relay_only.append(msg)

        b.subscribe("relay-load", keep_relay)
        await b.settled()
        await a.publish("console:1", {"type": "queue", "n": 1})
        await until(lambda: len(on_b) == 1)
        assert on_a == [{"type": "queue", "n": 1}]  # its own, at once, and only once
        await a.publish("relay-load", {"worker": 0})  # the machine's own topics stay home
        await asyncio.sleep(0.3)
        assert relay_only == [] and on_b == [{"type": "queue", "n": 1}]

        private_redis.stop()
        await a.publish("console:1", {"type": "queue", "n": 2})  # lost between nodes: logged
        private_redis.start()
        n = 3

        async def b_hears_again() -> bool:
            nonlocal n
            await a.publish("console:1", {"type": "queue", "n": n})
            n += 1
            await asyncio.sleep(0.2)
            return any(m["n"] >= 3 for m in on_b)

        await until_async(b_hears_again, seconds=20)
        heard = [m["n"] for m in on_b]
        assert heard == sorted(heard) and len(heard) == len(set(heard))


async def until(check: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def until_async(check: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline
