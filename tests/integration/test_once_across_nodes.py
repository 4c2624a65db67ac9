"""What must happen once, with three real server processes on one PostgreSQL: three officers
issuing tickets at once on three nodes, and four approvals racing for an inmate's two visits of
a week. No 500, no number given twice, one audit event per action done and none for an action
refused, and the audit chain verifies."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.test_registration import jpeg_with_exif
from tests.nodes import (
    Cluster,
    Officer,
    ask_for_visit,
    audit_actions,
    postgres_database,
    register_visitor,
    start_node,
)

TICKETS_EACH = 20
IN_FLIGHT = 4


@pytest.mark.timeout(400)
async def test_tickets_and_approvals_once_across_three_nodes(tmp_path: Path) -> None:
    async with postgres_database() as url:
        cluster = Cluster(tmp_path, url)
        first = start_node(cluster, "n0", "--demo")
        nodes = [first]
        officers: list[Officer] = []
        try:
            await first.ready()
            for name in ("petugas", "pendaftaran"):
                assert cluster.command("staff", "set-password", name).returncode == 0
            for name in ("petugas2", "petugas3"):
                done = cluster.command("staff", "add", name, "--role", "officer")
                assert done.returncode == 0, done.stderr
            nodes += [start_node(cluster, "n1"), start_node(cluster, "n2")]
            await asyncio.gather(*(n.ready() for n in nodes[1:]))
            officers = [await Officer(node, name).login() for node, name in
                        zip(nodes, ("petugas", "petugas2", "petugas3"), strict=True)]
            statuses, numbers = await _issue_at_once(officers)
            assert Counter(statuses) == {201: 3 * TICKETS_EACH}
            assert sorted(numbers) == list(range(1, 3 * TICKETS_EACH + 1))

            # Four families ask for the same inmate in the same week, which holds two visits;
            # the registration officer's approvals run on all three nodes at once.
            jpeg = jpeg_with_exif()
            for i in range(4):
                token = await register_visitor(first, f"337401520890{i + 1:04d}",
                                               f"0812-3456-{7000 + i}", jpeg)
                await ask_for_visit(nodes[i % 3], token, "B.I-001/2026", -1)
            desks = [await Officer(node, "pendaftaran").login() for node in nodes]
            officers += desks
            _, pending = await desks[0].get("/api/requests")
            ids = [r["id"] for r in pending["requests"]]
            assert len(ids) == 4
            answers = await asyncio.gather(*(
                desks[i % 3].post(f"/api/requests/{request_id}/approve", {})
                for i, request_id in enumerate(ids)))
            assert sorted(status for status, _ in answers) == [200, 200, 409, 409]
            assert {body["error"]["code"] for status, body in answers if status == 409} == {
                "weekly_limit"}

            events = await audit_actions(url)
            assert events["ticket.issue ok"] == 3 * TICKETS_EACH
            assert events["request.approve ok"] == 2
            verified = cluster.command("audit", "verify")
            assert verified.returncode == 0, verified.stderr
            for node in nodes:
                assert "Traceback" not in node.output()
        finally:
            for officer in officers:
                await officer.close()
            for node in nodes:
                node.kill()


async def _issue_at_once(officers: list[Officer]) -> tuple[list[int], list[int]]:
    statuses: list[int] = []
    numbers: list[int] = []
    inmate_id = 1  # the demo's first inmate, in a database of this test's own

    async def one_officer(officer: Officer) -> None:
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def issue(i: int) -> None:
            async with gate:
                status, body = await officer.post("/api/tickets", {
                    "visitor_name": f"Keluarga {officer.username} {i}", "relation": "spouse",
                    "inmate_id": inmate_id})
                statuses.append(status)
                if status == 201:
                    numbers.append(body["number"])

        await asyncio.gather(*(issue(i) for i in range(TICKETS_EACH)))

    await asyncio.gather(*(one_officer(o) for o in officers))
    return statuses, numbers
