"""Approving a visit request, once, whichever node and officer does it.

Everything an approval changes happens in one transaction with its audit event: the request is
locked and must still be pending, the inmate is locked while the week's visits are counted (so
two officers, on two nodes, cannot both give away the last visit of an inmate's week), then the
ticket takes the day's next number, the request records the decision and the pair is
remembered. A concurrent writer that wins a unique key makes the whole transaction run again
(server/db/atomic.py); no process lock is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import tables as db
from server.db import ticket_rows
from server.db import visitors as reg
from server.db.atomic import atomic, lock_row
from server.errors import ApiError
from server.services.audit import AuditEvent, AuditUnavailable, audited
from signaling.schedule import week_of, week_start


@dataclass(frozen=True)
class Approval:
    request_id: int
    facility_id: int
    visitor_id: int
    visitor_name: str
    relation: str
    inmate_id: int
    day: str
    session_name: str | None
    dated: bool  # asked for a session of a day (the weekly limit counts), not today's queue
    visits_per_week: int | None
    decided_by: str
    now: float
    token: str


async def approve(engine: AsyncEngine, approval: Approval,
                  event: AuditEvent | None) -> ticket_rows.Ticket:
    """The approved request's ticket; ApiError request_decided or weekly_limit (409) when it
    cannot be given, and then nothing changed and no event was written."""
    async def work(conn: AsyncConnection) -> ticket_rows.Ticket:
        return await _approve_in(conn, approval)

    if event is None:  # an automatic approval of a pair already checked
        return await atomic(engine, work)
    try:
        return await audited(engine, event, work)
    except AuditUnavailable:
        raise ApiError("audit_unavailable", 503) from None


async def _approve_in(conn: AsyncConnection, a: Approval) -> ticket_rows.Ticket:
    # Lock order, the same everywhere: request, inmate, facility (in insert_ticket), audit head.
    await lock_row(conn, db.visit_requests, a.request_id)
    state = (await conn.execute(select(db.visit_requests.c.state).where(
        db.visit_requests.c.id == a.request_id))).scalar_one_or_none()
    if state != "pending":
        raise ApiError("request_decided", 409)
    await lock_row(conn, db.inmates, a.inmate_id)
    if a.visits_per_week is not None and a.dated:
        # Other families' requests do not hold places: the week may have filled up since.
        monday = week_start(date.fromisoformat(a.day))
        booked = await reg.booked_weeks_in(conn, a.inmate_id, monday, monday + timedelta(days=6))
        if booked.get(week_of(monday), 0) >= a.visits_per_week:
            raise ApiError("weekly_limit", 409)
    ticket = await ticket_rows.insert_ticket(
        conn, a.facility_id, a.day, a.visitor_name, a.relation, a.inmate_id, a.now, a.token,
        session_name=a.session_name)
    await reg.decide_in(conn, a.request_id, state="approved", decided_at=a.now,
                        decided_by=a.decided_by, ticket_id=ticket.id)
    await reg.remember_pair_in(conn, a.visitor_id, a.inmate_id, a.now)
    return ticket
