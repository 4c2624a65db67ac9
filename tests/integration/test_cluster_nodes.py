"""Nodes on one PostgreSQL and one Redis (a key prefix of the test's own): the bus carries a
page message from one node's hub to a socket on the other, the admin sees both nodes with their
heartbeats and facilities, a node killed with -9 drops out of the list once its heartbeat key
expires, and Redis with SQLite is refused at start."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.nodes import Cluster, Node, Officer, postgres_database, start_node


def test_redis_with_sqlite_is_refused_at_start(tmp_path: Path) -> None:
    env = Cluster(tmp_path, "", redis_prefix="unused:").env()
    del env["SAMBANG_DATABASE_URL"]  # the SQLite file in the data folder
    done = subprocess.run([sys.executable, "-m", "server.cli", "--data-dir", str(tmp_path),
                           "serve", "--port", "0"], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "SAMBANG_REDIS_URL" in done.stderr and "PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


async def _console_messages(node: Node, officer: Officer) -> tuple[aiohttp.ClientWebSocketResponse,
                                                                    asyncio.Queue[dict[str, Any]]]:
    ws = await officer.http.ws_connect(f"{node.base}/ws/console")
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read() -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                received.put_nowait(json.loads(msg.data))

    asyncio.get_running_loop().create_task(read())
    return ws, received


async def _until(received: asyncio.Queue[dict[str, Any]], wanted: Any,
                 seconds: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "message not received"
        msg = await asyncio.wait_for(received.get(), left)
        if wanted(msg):
            return msg


@pytest.mark.timeout(300)
async def test_two_nodes_share_the_bus_and_list_each_other(tmp_path: Path,
                                                          redis_prefix: str) -> None:
    async with postgres_database() as url:
        cluster = Cluster(tmp_path, url, redis_prefix=redis_prefix,
                          extra_env={"SAMBANG_HEARTBEAT_SECONDS": "0.5",
                                     "SAMBANG_NODE_TTL_SECONDS": "3"})
        a = start_node(cluster, "a", "--demo")
        nodes = [a]
        people: list[Officer] = []
        try:
            await a.ready()
            for name in ("petugas", "admin"):
                assert cluster.command("staff", "set-password", name, node="a").returncode == 0
            b = start_node(cluster, "b")
            nodes.append(b)
            await b.ready()
            officer_a = await Officer(a, "petugas").login()
            officer_b = await Officer(b, "petugas").login()
            admin = await Officer(b, "admin").login()
            people += [officer_a, officer_b, admin]

            # A console open on node B hears of a ticket issued through node A.
            ws, received = await _console_messages(b, officer_b)
            await _until(received, lambda m: "tickets" in m)
            status, ticket = await officer_a.post("/api/tickets", {
                "visitor_name": "Sri Wahyuni", "relation": "spouse", "inmate_id": 1})
            assert status == 201
            seen = await _until(received, lambda m: any(
                t.get("number") == ticket["number"] for t in m.get("tickets", [])))
            assert any(t["visitor_name"] == "Sri Wahyuni" for t in seen["tickets"])
            await ws.close()

            # The admin sees both nodes with a fresh heartbeat; the demo facility runs on the
            # first, which holds its lease.
            listing = await _nodes_until(admin, lambda ns: len(ns) == 2)
            assert [n["address"].rsplit(":", 1)[1] for n in listing] == [str(b.port),
                                                                           str(a.port)]
            assert [n["this_node"] for n in listing] == [True, False]
            assert all(n["seconds_since_heartbeat"] < 3 for n in listing)
            assert [[f["code"] for f in n["facilities"]] for n in listing] == [[], ["demo"]]
            async with admin.http.get(f"{b.base}/admin?lang=en") as resp:
                page = await resp.text()
            assert "Server nodes" in page and all(n["node_id"] in page for n in listing)
            status, _ = await officer_b.get("/api/admin/cluster")
            assert status == 403

            # Node A dies without a word: its heartbeat key expires and the list drops it.
            a.kill(signal.SIGKILL)
            listing = await _nodes_until(admin, lambda ns: len(ns) == 1 and ns[0]["facilities"])
            assert listing[0]["this_node"] and listing[0]["address"].endswith(str(b.port))
            assert [f["code"] for f in listing[0]["facilities"]] == ["demo"]
        finally:
            for person in people:
                await person.close()
            for node in nodes:
                node.kill()
        for node in nodes:
            assert "Traceback" not in node.output(), node.output()[-3000:]


async def _nodes_until(admin: Officer, wanted: Any, seconds: float = 15) -> list[Any]:
    deadline = time.monotonic() + seconds
    while True:
        status, body = await admin.get("/api/admin/cluster")
        assert status == 200, body
        assert body["clustered"] is True
        if wanted(body["nodes"]):
            return list(body["nodes"])
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.5)
