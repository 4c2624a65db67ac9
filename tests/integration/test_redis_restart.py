"""Redis restarted mid-queue under two real nodes (a private redis-server, so restarting it
touches nobody else): tickets keep being issued through both nodes while it is down and after,
the facility stays with its node (which takes its lease again first), the console on the other
node ends up with every ticket in order, and the audit chain verifies."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.integration.test_failover import SETTINGS, Socket, numbers, owner_of_demo
from tests.nodes import Cluster, Node, Officer, PrivateRedis, postgres_database, start_node


@pytest.mark.timeout(300)
async def test_nodes_carry_on_through_a_redis_restart(tmp_path: Path) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    async with postgres_database() as url:
        cluster = Cluster(tmp_path, url, redis_prefix="t:",
                          extra_env={**SETTINGS, "SAMBANG_REDIS_URL": redis.url})
        a = start_node(cluster, "a", "--demo")
        nodes: list[Node] = [a]
        people: list[Officer] = []
        console: Socket | None = None
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
            assert owner.endswith(f":{a.port}:{a.proc.pid}")

            async def issue(officer: Officer) -> int:
                status, body = await officer.post("/api/tickets", {
                    "visitor_name": "Keluarga", "relation": "spouse", "inmate_id": 1})
                assert status == 201, body
                return int(body["number"])

            issued = [await issue(o) for o in (on_a, on_b, on_a)]
            redis.stop()
            issued += [await issue(o) for o in (on_a, on_b)]  # the database is enough
            redis.start()
            await asyncio.sleep(2 * float(SETTINGS["SAMBANG_LEASE_SECONDS"]))
            issued.append(await issue(on_b))
            assert issued == [1, 2, 3, 4, 5, 6]
            assert (await owner_of_demo(admin)).endswith(f":{a.port}:{a.proc.pid}")

            deadline = time.monotonic() + 20
            while True:  # a console opened now, through node B, has all six in order
                console = Socket(await on_b.http.ws_connect(f"{b.base}/ws/console"))
                first = await console.until(lambda m: "tickets" in m or m["type"] == "closed")
                if "tickets" in first:
                    break
                assert time.monotonic() < deadline
                await asyncio.sleep(0.5)
            assert numbers(first) == [1, 2, 3, 4, 5, 6]
            verified = cluster.command("audit", "verify", node="b")
            assert verified.returncode == 0, verified.stderr
            for node in nodes:
                assert "Traceback" not in node.output(), node.output()[-3000:]
        finally:
            if console is not None:
                await console.close()
            for person in people:
                await person.close()
            for node in nodes:
                node.kill()
            redis.stop()
