"""Make-up tickets on the real app and database: granted for a visit a family lost (as the
network's grace period does for a broken line), first in the queue, reached through the
family's first link, given once, and refused by an officer with a reason that is audited."""

from __future__ import annotations

from sqlalchemy import select

from server.db import tables as db
from server.db import ticket_rows
from server.keys import ENGINE, HUBS
from server.services import audit
from server.services.hubs import queue_makeup
from server.services.makeup import grant_makeup
from tests.conftest import AppMaker, Sambang
from tests.peers import Peer


async def _lost_visit(s: Sambang, csrf: str) -> tuple[int, int, str]:
    """A visit that ran and ended: its id, its ticket and the family's link token."""
    ticket_id, token = await s.issue_ticket(csrf, name="Sri Wahyuni")
    await s.issue_ticket(csrf, name="Keluarga Dua")
    station_id, _ = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue")
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201 and visit["ticket_number"] == 1, visit
        visit_id = int(visit["visit_id"])
        status, _ = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True},
                                 csrf)
        assert status == 200
        status, _ = await s.post(f"/api/visits/{visit_id}/end", {"reason": "officer"}, csrf)
        assert status == 200
    finally:
        await family.close()
    return visit_id, ticket_id, token


async def test_a_makeup_is_first_in_the_queue_and_reached_through_the_first_link(
        sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    visit_id, first_ticket, token = await _lost_visit(s, csrf)
    engine = s.app[ENGINE]
    async with engine.begin() as conn:
        made = await grant_makeup(conn, visit_id=visit_id, seconds=420,
                                  reason="connection_lost", by="system", now=s.clock())
    assert made is not None and made != first_ticket
    async with engine.begin() as conn:  # one make-up per lost visit
        assert await grant_makeup(conn, visit_id=visit_id, seconds=420,
                                  reason="connection_lost", by="system", now=s.clock()) is None
        # Too little owed to bring everyone back for.
        assert await grant_makeup(conn, visit_id=visit_id, seconds=30,
                                  reason="connection_lost", by="system", now=s.clock()) is None
    ticket = await ticket_rows.ticket_by_id(engine, made)
    assert ticket is not None
    assert (ticket.makeup_visit_id, ticket.makeup_seconds, ticket.makeup_reason,
            ticket.first_in_queue, ticket.state) == (
        visit_id, 420, "connection_lost", True, "waiting")
    async with engine.connect() as conn:
        kinds = [r.kind for r in await conn.execute(
            select(db.visit_events).where(db.visit_events.c.visit_id == visit_id))]
    assert "makeup_granted" in kinds

    await queue_makeup(s.app, made)
    hub = s.app[HUBS][1]
    assert [t.ticket_id for t in hub.state.queue.waiting()][0] == made

    # The family's first link opens the make-up's queue room, first in line.
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        queue = await family.wait_for("queue")
        assert queue["number"] == ticket.number and queue["position"] == 1
    finally:
        await family.close()
    page = await (await s.client.get(f"/t/{token}")).text()
    assert f'id="number">{ticket.number}<' in page

    # Started, it lasts the seven minutes owed.
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue")
        station_id, _ = await s.station_token()
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201 and visit["ticket_number"] == ticket.number
        status, started = await s.post(f"/api/visits/{visit['visit_id']}/start",
                                       {"inmate_confirmed": True}, csrf)
        assert status == 200 and started["allotted_seconds"] == 420
    finally:
        await family.close()


async def test_an_officer_refuses_a_makeup_with_a_reason_that_is_audited(
        sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    visit_id, first_ticket, token = await _lost_visit(s, csrf)
    async with s.app[ENGINE].begin() as conn:
        made = await grant_makeup(conn, visit_id=visit_id, seconds=600,
                                  reason="cancelled_by_facility", by="petugas", now=s.clock())
    assert made is not None
    await queue_makeup(s.app, made)
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue", number=2 + 1)
        status, body = await s.post(f"/api/tickets/{made}/refuse-makeup", {"reason": ""}, csrf)
        assert status == 422 and "reason" in body["error"]["message"]
        status, body = await s.post(f"/api/tickets/{made}/refuse-makeup",
                                    {"reason": "Sudah diganti dengan kunjungan tatap muka"},
                                    csrf)
        assert status == 200, body
        cancelled = await family.wait_for("queue", state="cancelled")
        assert cancelled["position"] is None
    finally:
        await family.close()
    ticket = await ticket_rows.ticket_by_id(s.app[ENGINE], made)
    assert ticket is not None and ticket.state == "cancelled"
    assert ticket.makeup_refusal == "Sudah diganti dengan kunjungan tatap muka"
    assert made not in s.app[HUBS][1].tickets
    events = [e.event for e in await audit.read_all(s.app[ENGINE])]
    refused = [e for e in events if e.action == "ticket.refuse_makeup"]
    assert [(e.actor, e.target) for e in refused] == [("petugas", f"ticket:{made}")]
    # Once refused, or a ticket that is no make-up: nothing to refuse.
    for ticket_id in (made, first_ticket):
        status, body = await s.post(f"/api/tickets/{ticket_id}/refuse-makeup",
                                    {"reason": "lagi"}, csrf)
        assert status == 409, body
    status, _ = await s.post("/api/tickets/99999/refuse-makeup", {"reason": "x"}, csrf)
    assert status == 404


async def test_a_makeup_on_postgres(make_sambang: AppMaker, postgres_url: str) -> None:
    """The same on PostgreSQL, where the ticket's number is taken inside a savepoint."""
    s = await make_sambang(database_url=postgres_url)
    csrf = await s.login()
    visit_id, _, _ = await _lost_visit(s, csrf)
    async with s.app[ENGINE].begin() as conn:
        made = await grant_makeup(conn, visit_id=visit_id, seconds=300,
                                  reason="interrupted", by="system", now=s.clock())
    assert made is not None
    ticket = await ticket_rows.ticket_by_id(s.app[ENGINE], made)
    assert ticket is not None and ticket.number == 3 and ticket.first_in_queue
