"""The nodes of a deployment: each says it is alive every few seconds in Redis (a key that
expires when it stops), with its load and the facilities and visits it runs, and the admin's
cluster view reads them back. Without Redis there is one node, this one.

The heartbeat is a key per node with a time to live (SET PX) plus the node's id in one sorted
set scored by the last beat, so a listing reads a handful of keys instead of scanning Redis. A
node killed with -9 stops beating; its key expires after `node_ttl_seconds` and the next listing
drops it from the set.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.keys import BUS, CONFIG, FACILITIES, HUBS, NODE, SOCKETS
from server.services.leases import Lease, LeaseLost, Leases
from signaling.bus.redis_bus import RedisBus
from signaling.lifecycle import VisitState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FacilityOnNode:
    id: int
    code: str
    waiting: int
    visits_called: int
    visits_live: int


@dataclass(frozen=True)
class NodeReport:
    node_id: str
    role: str  # "web": pages, API and hubs (with or without relay workers)
    address: str
    pid: int
    started_at: float
    heartbeat_at: float
    open_sockets: int
    relay_workers: int
    load_average: float  # the machine's one-minute load average
    facilities: list[FacilityOnNode] = field(default_factory=list)

    @property
    def visits(self) -> int:
        return sum(f.visits_called + f.visits_live for f in self.facilities)


class Node:
    """This node: its id, its Redis (None for a single node) and its view of the others."""

    def __init__(self, app: web.Application, node_id: str, redis: Redis | None) -> None:
        self._app = app
        self.node_id = node_id
        self.redis = redis
        self.started_at = time.time()
        config = app[CONFIG]
        self._prefix = config.redis_prefix
        self._ttl_ms = int(config.node_ttl_seconds * 1000)
        self.address = advertised_address(config.host, config.port)
        # Facility leases (several nodes only): those this node holds, when each was last
        # renewed, and the address of the node running each facility it does not.
        self.leases = (Leases(redis, config.redis_prefix, node_id, config.lease_seconds)
                       if redis is not None else None)
        self.held: dict[int, Lease] = {}
        self.renewed_at: dict[int, float] = {}
        self.owner_addresses: dict[int, str] = {}
        self.free_since: dict[int, float] = {}
        self.http: aiohttp.ClientSession | None = None  # requests forwarded to other nodes
        self._lease_seconds = config.lease_seconds

    def free_long_enough(self, facility_id: int) -> bool:
        """Whether a facility nobody holds has been free for half a lease period: long enough
        for a live holder to renew (or take again) a lease that Redis lost in a restart."""
        now = time.monotonic()
        since = self.free_since.setdefault(facility_id, now)
        return now - since >= self._lease_seconds / 2

    async def check_lease(self, lease: Lease) -> None:
        """LeaseLost unless this node still holds `lease`. With Redis out of reach, a lease
        renewed within its time to live still counts: nobody else can have taken it yet."""
        assert self.leases is not None
        try:
            await self.leases.check(lease)
        except (RedisError, OSError):
            renewed = self.renewed_at.get(lease.facility_id, 0.0)
            if time.monotonic() - renewed >= self._lease_seconds:
                raise LeaseLost(f"facility {lease.facility_id}") from None

    def key(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def report(self) -> NodeReport:
        config = self._app[CONFIG]
        facilities = self._app.get(FACILITIES, {})
        found = []
        for facility_id, hub in sorted(self._app.get(HUBS, {}).items()):
            states = [info.visit.state for info in hub.state.visits.values()]
            code = facilities[facility_id].code if facility_id in facilities else ""
            found.append(FacilityOnNode(
                facility_id, code, len(hub.state.queue.waiting()),
                states.count(VisitState.CALLED), states.count(VisitState.LIVE)))
        return NodeReport(
            node_id=self.node_id, role="web", address=self.address,
            pid=os.getpid(), started_at=self.started_at, heartbeat_at=time.time(),
            open_sockets=len(self._app[SOCKETS].all), relay_workers=config.worker_count,
            load_average=round(os.getloadavg()[0], 2), facilities=found)

    async def beat(self) -> None:
        assert self.redis is not None
        report = self.report()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key(f"node:{self.node_id}"), json.dumps(asdict(report)),
                     px=self._ttl_ms)
            pipe.zadd(self.key("nodes"), {self.node_id: report.heartbeat_at})
            await pipe.execute()

    async def release_all(self) -> None:
        if self.leases is None:
            return
        for lease in list(self.held.values()):
            with contextlib.suppress(RedisError, OSError):
                await self.leases.release(lease)
        self.held.clear()

    async def leave(self) -> None:
        if self.redis is None:
            return
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(self.key(f"node:{self.node_id}"))
            await self.redis.zrem(self.key("nodes"), self.node_id)

    async def all_nodes(self) -> list[NodeReport]:
        """Every node alive, this one first."""
        if self.redis is None:
            return [self.report()]
        ids = [i.decode() if isinstance(i, bytes) else str(i)
               for i in await self.redis.zrange(self.key("nodes"), 0, -1)]
        if not ids:
            return [self.report()]
        values = await self.redis.mget([self.key(f"node:{i}") for i in ids])
        gone = [i for i, value in zip(ids, values, strict=True) if value is None]
        if gone:
            await self.redis.zrem(self.key("nodes"), *gone)
        reports = [_parse(value) for value in values if value is not None]
        reports.sort(key=lambda r: (r.node_id != self.node_id, r.node_id))
        return reports


def _parse(raw: bytes | str) -> NodeReport:
    data = json.loads(raw)
    data["facilities"] = [FacilityOnNode(**f) for f in data.get("facilities", [])]
    return NodeReport(**data)


def advertised_address(host: str, port: int) -> str:
    """Where the other nodes reach this one (host:port); a node listening on every address
    is reached by its host name."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"{host}:{port}"


def node_id_of(app: web.Application) -> str:
    config = app[CONFIG]
    return config.node_name or f"{socket.gethostname()}:{config.port}:{os.getpid()}"


async def cluster_ctx(app: web.Application) -> AsyncIterator[None]:
    """With SAMBANG_REDIS_URL: the page bus on Redis and a heartbeat; without, a single node.
    Runs after the machine's bus is up and before the hubs, which publish on the bus."""
    config = app[CONFIG]
    node_id = node_id_of(app)
    if not config.redis_url:
        app[NODE] = Node(app, node_id, None)
        yield
        return
    redis = Redis.from_url(config.redis_url)
    try:
        await redis.ping()
    except (RedisError, OSError) as exc:
        await redis.aclose()
        raise RuntimeError(f"Redis at SAMBANG_REDIS_URL does not answer: {exc}") from None
    node = Node(app, node_id, redis)
    node.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=3,
                                                                    sock_read=30))
    bus = RedisBus(app[BUS], redis, config.redis_prefix, node_id)
    await bus.start()
    app[BUS] = bus
    app[NODE] = node

    async def heartbeat() -> None:
        while True:
            try:
                await node.beat()
            except (RedisError, OSError) as exc:  # Redis restarting: beat again next time
                log.warning("heartbeat not written: %s", type(exc).__name__)
            await asyncio.sleep(config.heartbeat_seconds)

    task = asyncio.create_task(heartbeat())
    log.info("node %s joined the cluster", node_id)
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await node.leave()
    await node.http.close()
    await bus.close()
    await redis.aclose()
