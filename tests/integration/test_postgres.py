"""The same records on a real PostgreSQL, as docker-compose.yml deploys it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import AppMaker
from tests.nodes import postgres_database
from tests.peers import Peer


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A database of its own for this test, dropped afterwards."""
    async with postgres_database() as url:
        yield url


async def test_visit_recorded_in_postgres_survives_restart(
    make_sambang: AppMaker, postgres_url: str, tmp_path: object
) -> None:
    first = await make_sambang(database_url=postgres_url)
    csrf = await first.login()
    _, token = await first.issue_ticket(csrf)
    station_id, _ = await first.station_token()
    family = await Peer(first.client, f"/ws/ticket/{token}").open()
    await family.wait_for("queue")
    status, visit = await first.post("/api/visits", {"station_id": station_id}, csrf)
    assert status == 201
    visit_id = visit["visit_id"]
    await first.confirm_identity(visit_id, csrf)
    status, _ = await first.post(f"/api/visits/{visit_id}/start",
                                 {"inmate_confirmed": True, "allotted_seconds": 300}, csrf)
    assert status == 200
    first.clock.offset += 301
    assert (await family.wait_for("ended"))["outcome"] == "completed"
    await family.close()
    await first.client.close()

    second = await make_sambang(database_url=postgres_url)
    await second.login()
    record = await (await second.client.get(f"/api/visits/{visit_id}")).json()
    assert record["outcome"] == "completed" and record["allotted_seconds"] == 300
    queue = await (await second.client.get("/api/queue")).json()
    assert [t["state"] for t in queue["tickets"]] == ["done"]
