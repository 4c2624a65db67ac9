"""A facility's hub on one node at a time, reached from any node, and taken over when its node
dies: two real `sambang serve` processes on one PostgreSQL and one Redis (a key prefix of the
test's own). A console and a family connected to the node that does not run the facility see
tickets issued through either node; after kill -9 of the owner the other node takes the lease,
rebuilds the day from the database and serves everyone, with no ticket lost or duplicated and
the audit chain intact."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.nodes import Cluster, Node, Officer, postgres_database, start_node

SETTINGS = {"SAMBANG_HEARTBEAT_SECONDS": "0.5", "SAMBANG_NODE_TTL_SECONDS": "3",
            "SAMBANG_LEASE_SECONDS": "4"}


class Socket:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.received.put_nowait(json.loads(msg.data))
        self.received.put_nowait({"type": "closed"})

    async def until(self, wanted: Any, seconds: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "message not received"
            msg = await asyncio.wait_for(self.received.get(), left)
            if wanted(msg):
                return msg

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()


def numbers(snapshot: dict[str, Any]) -> list[int]:
    return [t["number"] for t in snapshot["tickets"]]


async def owner_of_demo(admin: Officer) -> str:
    _, body = await admin.get("/api/admin/cluster")
    owners = [n["node_id"] for n in body["nodes"]
              if any(f["code"] == "demo" for f in n["facilities"])]
    return owners[0] if len(owners) == 1 else ""


@pytest.mark.timeout(300)
async def test_any_node_serves_the_facility_and_another_takes_over_after_kill(
        tmp_path: Path, redis_prefix: str) -> None:
    async with postgres_database() as url:
        cluster = Cluster(tmp_path, url, redis_prefix=redis_prefix, extra_env=SETTINGS)
        a = start_node(cluster, "a", "--demo")
        nodes: list[Node] = [a]
        people: list[Officer] = []
        sockets: list[Socket] = []
        families = aiohttp.ClientSession()
        try:
            await a.ready()
            for name in ("petugas", "admin"):
                assert cluster.command("staff", "set-password", name, node="a").returncode == 0
            b = start_node(cluster, "b")
            nodes.append(b)
            await b.ready()
            on_a = await Officer(a, "petugas").login()
            on_b = await Officer(b, "petugas").login()
            admin = await Officer(b, "admin").login()
            people += [on_a, on_b, admin]
            owner = await owner_of_demo(admin)
            assert owner.split(":")[1] == str(a.port)  # the first node took it

            # A console on node B, which does not run the facility, sees tickets issued
            # through both nodes, in order.
            console = Socket(await on_b.http.ws_connect(f"{b.base}/ws/console"))
            sockets.append(console)
            await console.until(lambda m: "tickets" in m)
            links = []
            for officer in (on_a, on_b, on_a, on_b, on_a):
                status, body = await officer.post("/api/tickets", {
                    "visitor_name": f"Keluarga {len(links) + 1}", "relation": "spouse",
                    "inmate_id": 1})
                assert status == 201, body
                links.append(body["link"])
            seen = await console.until(lambda m: len(m.get("tickets", [])) == 5)
            assert numbers(seen) == [1, 2, 3, 4, 5]

            # The first family waits on node B: its queue room is made by the owner.
            token = links[0].rsplit("/", 1)[1]
            family = Socket(await families.ws_connect(f"{b.base}/ws/ticket/{token}"))
            sockets.append(family)
            first_view = await family.until(lambda m: m.get("type") == "queue")
            assert first_view["number"] == 1

            # The owner dies without a word; node B takes the lease and rebuilds the day.
            killed_at = time.monotonic()
            a.kill(signal.SIGKILL)
            await console.until(lambda m: m["type"] == "closed")
            while not (await owner_of_demo(admin)).endswith(f":{b.port}:{b.proc.pid}"):
                assert time.monotonic() - killed_at < 10, "no takeover within 10 s"
                await asyncio.sleep(0.2)
            takeover = time.monotonic() - killed_at
            print(f"takeover after kill -9: {takeover:.1f} s")
            status, queue = await on_b.get("/api/queue")
            assert status == 200 and numbers(queue) == [1, 2, 3, 4, 5]
            assert all(t["state"] == "waiting" for t in queue["tickets"])

            # Pages reconnect (as the page scripts do) and carry on with the new owner.
            console = Socket(await on_b.http.ws_connect(f"{b.base}/ws/console"))
            sockets.append(console)
            await console.until(lambda m: numbers(m) == [1, 2, 3, 4, 5] if "tickets" in m
                                else False)
            family = Socket(await families.ws_connect(f"{b.base}/ws/ticket/{token}"))
            sockets.append(family)
            assert (await family.until(lambda m: m.get("type") == "queue"))["number"] == 1
            status, body = await on_b.post("/api/tickets", {
                "visitor_name": "Keluarga 6", "relation": "spouse", "inmate_id": 1})
            assert status == 201 and body["number"] == 6
            await console.until(lambda m: numbers(m) == [1, 2, 3, 4, 5, 6] if "tickets" in m
                                else False)
            verified = cluster.command("audit", "verify", node="b")
            assert verified.returncode == 0, verified.stderr
            assert "Traceback" not in b.output(), b.output()[-3000:]
        finally:
            for sock in sockets:
                await sock.close()
            for person in people:
                await person.close()
            await families.close()
            for node in nodes:
                node.kill()
