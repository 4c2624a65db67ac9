"""The fair-share call length as the officer and the family meet it: it shrinks as the queue
grows near the session's end, the officer can fix another length, and the console says how many
families will not be served before closing. The demo's morning session closes at 12:00 WIB; its
calls last 5-15 minutes with a minute's changeover, on two stations."""

from __future__ import annotations

from typing import Any

from server.services.hubs import load_todays_tickets
from tests.conftest import AppMaker, Sambang
from tests.peers import Peer


async def queue(s: Sambang) -> dict[str, Any]:
    return dict(await (await s.client.get("/api/queue")).json())


async def test_fair_share_shrinks_near_closing_and_the_officer_sees_who_will_wait(
    make_sambang: AppMaker,
) -> None:
    s = await make_sambang()
    s.clock.offset += (2 * 60 + 40) * 60  # Tuesday 11:40: twenty minutes left
    csrf = await s.login()
    _, first_token = await s.issue_ticket(csrf, "Keluarga 1")
    view = await queue(s)
    # One family, twenty minutes: the call may take the maximum that still fits (19 min caps
    # at 15).
    assert view["call_seconds"] == 15 * 60 and view["call_length_source"] == "fair_share"
    assert view["unserved"] == 0
    for n in range(2, 9):
        await s.issue_ticket(csrf, f"Keluarga {n}")
    view = await queue(s)
    # Eight families on two stations in twenty minutes: four rounds of 5 minutes would need
    # 24; the minimum is kept and two families will not be served.
    assert view["call_seconds"] == 5 * 60 and view["fair_share_seconds"] == 5 * 60
    assert view["unserved"] == 2

    family = await Peer(s.client, f"/ws/ticket/{first_token}").open()
    try:
        seen = await family.wait_for("queue")
        assert seen["call_seconds"] == 5 * 60  # the family reads the length it will get
        status, body = await s.post("/api/call-length", {"minutes": 15}, csrf)
        assert status == 200 and body["call_length_source"] == "officer"
        assert (await family.wait_for("queue", call_seconds=15 * 60))["position"] == 1
        assert (await queue(s))["unserved"] == 6  # two at a time, one round of 16 minutes
        status, body = await s.post("/api/call-length", {"minutes": 0}, csrf)
        assert status == 422
    finally:
        await family.close()
    # A restart keeps the officer's choice.
    await s.client.close()
    s = await make_sambang(clock=s.clock)
    csrf = await s.login()
    view = await queue(s)
    assert view["call_seconds"] == 15 * 60 and view["call_length_source"] == "officer"
    status, body = await s.post("/api/call-length", {"minutes": None}, csrf)
    assert status == 200 and body["call_seconds"] == 5 * 60
    # It was for that day only: the next morning the fair share rules again.
    await s.post("/api/call-length", {"minutes": 7}, csrf)
    s.clock.offset += 21 * 3600  # Wednesday 08:40
    await load_todays_tickets(s.app, 1)
    await s.login()  # yesterday's staff session has expired
    view = await queue(s)
    assert view["call_length_source"] == "fair_share" and view["tickets"] == []
