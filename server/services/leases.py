"""Which node runs a facility's hub: a lease in Redis, one holder at a time.

The lease is a key `lease:facility:<id>` set with NX and a time to live (PX), holding the
holder's node id and a fencing token drawn from a counter that only grows (`fence:facility:<id>`).
The holder renews it well before it expires, and every renewal and every check compares the whole
value, token included, in one Lua script: a node that stalled past the expiry (a long GC pause, a
frozen VM) finds someone else's token and stops, instead of renewing a lease it lost. The hub's
durable writes check the token first (see `LeaseRecords` in hubs.py), so a stalled former owner
cannot write after the new owner took over.

When the holder dies with -9, nobody renews: the key expires after `ttl` and the next node that
tries takes it, so the facility is back within ttl plus one attempt interval.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

# Renew or check: only the holder of exactly this value may.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class LeaseLost(RuntimeError):
    """This node no longer holds the facility: what it was about to write is not its to write."""


@dataclass(frozen=True)
class Lease:
    facility_id: int
    node_id: str
    token: int

    @property
    def value(self) -> str:
        return f"{self.node_id}|{self.token}"


class Leases:
    def __init__(self, redis: Redis, prefix: str, node_id: str, ttl_seconds: float) -> None:
        self._redis = redis
        self._prefix = prefix
        self.node_id = node_id
        self._ttl_ms = int(ttl_seconds * 1000)

    def _key(self, facility_id: int) -> str:
        return f"{self._prefix}lease:facility:{facility_id}"

    async def acquire(self, facility_id: int) -> Lease | None:
        """The lease, if nobody holds it now."""
        key = self._key(facility_id)
        if await self._redis.exists(key):
            return None  # spares the counter a token for every attempt
        token = int(await self._redis.incr(f"{self._prefix}fence:facility:{facility_id}"))
        lease = Lease(facility_id, self.node_id, token)
        taken = await self._redis.set(key, lease.value, nx=True, px=self._ttl_ms)
        return lease if taken else None

    async def renew(self, lease: Lease) -> bool:
        done = await self._redis.eval(_RENEW, 1, self._key(lease.facility_id), lease.value,
                                      str(self._ttl_ms))
        return bool(done)

    async def check(self, lease: Lease) -> None:
        """LeaseLost unless `lease` is still the one in Redis (its token included)."""
        held = await self._redis.get(self._key(lease.facility_id))
        if held is None or _text(held) != lease.value:
            raise LeaseLost(f"facility {lease.facility_id}")

    async def release(self, lease: Lease) -> None:
        await self._redis.eval(_RELEASE, 1, self._key(lease.facility_id),
                               lease.value)

    async def holders(self, facility_ids: list[int]) -> dict[int, str]:
        """The node holding each facility that has a holder."""
        if not facility_ids:
            return {}
        values = await self._redis.mget([self._key(f) for f in facility_ids])
        return {f: _text(v).split("|", 1)[0] for f, v in zip(facility_ids, values, strict=True)
                if v is not None}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
