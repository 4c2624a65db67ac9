"""The admin's view of the deployment: the nodes alive, their last heartbeat and load, and the
facilities and visits each runs (server/services/nodes.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from server.http.auth import require_staff
from server.http.models import admin as m
from server.http.models.operation import operation, reply
from server.keys import CLOCK, NODE
from server.services.nodes import NodeReport

ADMINS = frozenset({"admin"})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/cluster", cluster)


def node_view(report: NodeReport, now: float, this_node: str) -> dict[str, Any]:
    return {**asdict(report), "visits": report.visits, "this_node": report.node_id == this_node,
            "seconds_since_heartbeat": round(max(0.0, now - report.heartbeat_at), 1)}


async def cluster_view(app: web.Application) -> dict[str, Any]:
    node = app[NODE]
    now = app[CLOCK]()
    reports = await node.all_nodes()
    return {"clustered": node.redis is not None,
            "nodes": [node_view(r, now, node.node_id) for r in reports]}


@operation("cluster", "The nodes of this deployment: last heartbeat, load, and the facilities "
           "and visits on each (one node without SAMBANG_REDIS_URL)", reply=m.Cluster)
async def cluster(request: web.Request) -> web.Response:
    await require_staff(request, ADMINS)
    return reply(m.Cluster, await cluster_view(request.app))
