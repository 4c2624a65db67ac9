"""Keeping this node's facility leases (several nodes only): renew those it holds, stop the hub
of one it lost, take over the facilities of a node that died, and keep the address of the node
running each other facility, where requests for it are forwarded (server/http/forward.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, web
from redis.exceptions import RedisError

from server.keys import CONFIG, FACILITIES, NODE, SOCKETS

if TYPE_CHECKING:
    from server.services.hubs import RunningHubs

StartNew = Callable[[web.Application, "RunningHubs", bool], Awaitable[None]]

log = logging.getLogger(__name__)


async def keep_leases(app: web.Application, running: RunningHubs, start_new: StartNew) -> None:
    interval = app[CONFIG].lease_seconds / 4  # three renewals can fail before it expires
    while True:
        await asyncio.sleep(interval)
        try:
            await lease_round(app, running, start_new)
        except (RedisError, OSError) as exc:  # Redis restarting: the next round tries again
            log.warning("lease round incomplete: %s", type(exc).__name__)
        except Exception:
            log.exception("lease round failed")


async def lease_round(app: web.Application, running: RunningHubs,
                      start_new: StartNew) -> None:
    node = app[NODE]
    leases = node.leases
    assert leases is not None
    lost = []
    for facility_id, lease in list(node.held.items()):
        try:
            renewed = await leases.renew(lease)
        except (RedisError, OSError):
            # Out of reach: still ours until the time to live has passed since the last renewal.
            renewed = time.monotonic() - node.renewed_at.get(facility_id, 0.0) < \
                app[CONFIG].lease_seconds
            if renewed:
                continue
        if not renewed:
            # Gone rather than taken (Redis restarted empty): take it again and keep the hub.
            again = await leases.acquire(facility_id)
            if again is None:
                lost.append(facility_id)
                continue
            node.held[facility_id] = again
            log.info("lease of facility %d taken again (token %d)", facility_id, again.token)
        node.renewed_at[facility_id] = time.monotonic()
    for facility_id in lost:
        log.warning("lease of facility %d lost: its hub stops here", facility_id)
        node.held.pop(facility_id, None)
        await running.stop(app, facility_id)
    if lost:
        # Pages of those facilities reconnect and are forwarded to the node that has it now.
        for ws in list(app[SOCKETS].all):
            await ws.close(code=WSCloseCode.SERVICE_RESTART, message=b"facility moved")
    await start_new(app, running, False)
    facilities = app[FACILITIES]
    everyone = sorted(facilities)
    holders = await leases.holders(everyone)
    addresses = {r.node_id: r.address for r in await node.all_nodes()}
    node.owner_addresses = {f: addresses[n] for f, n in holders.items()
                            if n != node.node_id and n in addresses}

