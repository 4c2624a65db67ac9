"""Facility leases on a real Redis (a key prefix of the test's own): one holder at a time, a
renewal or a check by anyone but the holder of exactly that token fails, an expired lease is
taken by the next node with a larger token, and the former holder can neither renew nor pass
the check any more."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.services.leases import LeaseLost, Leases
from tests.nodes import REDIS_URL


async def test_one_holder_and_fencing_after_expiry(redis_prefix: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        a = Leases(redis, redis_prefix, "node-a", ttl_seconds=0.5)
        b = Leases(redis, redis_prefix, "node-b", ttl_seconds=0.5)
        first = await a.acquire(7)
        assert first is not None
        assert await b.acquire(7) is None  # held
        assert await a.renew(first)
        await a.check(first)
        assert await b.holders([7, 8]) == {7: "node-a"}

        await asyncio.sleep(0.7)  # node A stalls past its lease
        second = await b.acquire(7)
        assert second is not None and second.token > first.token
        assert not await a.renew(first)  # it finds another token and must stop
        with pytest.raises(LeaseLost):
            await a.check(first)
        await a.release(first)  # releasing what it no longer holds changes nothing
        assert await a.holders([7]) == {7: "node-b"}
        await b.release(second)
        assert await a.holders([7]) == {}
    finally:
        await redis.aclose()
