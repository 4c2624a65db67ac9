"""Make-up tickets: a family that lost its visit, or part of it, through no fault of its own
(the facility cancelled its call, the line broke for good, the server stopped during it) gets a
ticket at the head of the next session's queue for the minutes it did not have. The rules of who
is owed what and when are pure (signaling/makeup.py); this writes them down.

`grant_makeup` works on the caller's connection, so whoever ends a visit can grant its make-up
in the same transaction; `grant` is the same in a transaction of its own. Neither puts the
ticket into a running hub: server/services/hubs.py `queue_makeup` does, or the day roll when its
session's queue opens. The family keeps its first link: it leads to the make-up
(`current_ticket`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import makeup_rows, ticket_rows, visit_rows
from server.db.ticket_rows import Ticket
from server.services import audit
from server.services.facilities import schedule_of
from server.services.inmate_register import inmate_groups
from signaling import makeup as rules

log = logging.getLogger(__name__)

# Why a make-up was given; the family's page says it in words (server/i18n/family.py).
REASONS = ("cancelled_by_facility", "connection_lost", "interrupted")
# A chain of make-ups longer than this is a loop in the data, not a family's history.
MAX_CHAIN = 20


async def grant_makeup(conn: AsyncConnection, *, visit_id: int, seconds: int, reason: str,
                       by: str, now: float) -> int | None:
    """A make-up ticket for the family of `visit_id`, owed `seconds`, first in the queue of the
    next session that admits the inmate and still has that long to run (the one running now
    when it does). Returns its id, or None when nothing is given: too little owed, the visit
    unknown or already made up, the inmate gone, the visitor banned, or no session ahead."""
    if not rules.worth_making_up(seconds):
        return None
    found = await makeup_rows.visit_and_ticket(conn, visit_id)
    if found is None or found["inmate_status"] != "active":
        return None
    if await makeup_rows.makeup_of_visit(conn, visit_id) is not None:
        return None  # given before: one make-up per lost visit
    visitor_id = await makeup_rows.visitor_of_ticket(conn, found["ticket_id"])
    if visitor_id is not None and await makeup_rows.banned(conn, visitor_id,
                                                           found["inmate_id"], now):
        return None
    facility = await makeup_rows.facility(conn, found["facility_id"])
    local = datetime.fromtimestamp(now, ZoneInfo(facility.timezone))
    slot = rules.makeup_slot(schedule_of(facility), inmate_groups(found), local, seconds)
    if slot is None:
        log.warning("visit %s: no session ahead for its make-up", visit_id)
        return None
    ticket_id = await makeup_rows.insert_makeup(
        conn, facility_id=found["facility_id"], day=slot.day.isoformat(),
        visitor_name=found["visitor_name"], relation=found["relation"],
        inmate_id=found["inmate_id"], state="waiting", created_at=now,
        session_name=slot.session.name if slot.session else None, makeup_visit_id=visit_id,
        makeup_seconds=seconds, makeup_reason=reason, first_in_queue=True)
    if visitor_id is not None:
        # The family's request now leads to the make-up, as its page and messages do.
        await makeup_rows.move_request(conn, found["ticket_id"], ticket_id)
    await visit_rows.insert_visit_event_on(
        conn, visit_id=visit_id, at=now, kind="makeup_granted", actor=by,
        detail=f"{reason}: {seconds}s, {slot.day.isoformat()} "
               f"{slot.session.name if slot.session else ''}".rstrip())
    log.info("visit %s: make-up ticket %s (%ss, %s)", visit_id, ticket_id, seconds, reason)
    return ticket_id


async def grant(engine: AsyncEngine, *, visit_id: int, seconds: int, reason: str, by: str,
                now: float) -> int | None:
    """`grant_makeup` in a transaction of its own, then its audit event."""
    async with engine.begin() as conn:
        ticket_id = await grant_makeup(conn, visit_id=visit_id, seconds=seconds, reason=reason,
                                       by=by, now=now)
    if ticket_id is not None:
        try:
            await audit.append(engine, audit.AuditEvent(
                at=now, actor=by, role="", action="ticket.makeup", target=f"visit:{visit_id}",
                outcome=f"ticket:{ticket_id}", source="server"))
        except audit.AuditUnavailable:  # the family keeps what it is owed regardless
            log.error("visit %s: make-up not audited", visit_id)
    return ticket_id


async def refuse(engine: AsyncEngine, ticket_id: int, reason: str) -> bool:
    """An officer refuses a waiting make-up ticket; its family reads `reason`. False when the
    ticket is no make-up or no longer waits. The caller audits it and takes it off the hub."""
    return await makeup_rows.refuse(engine, ticket_id, reason.strip())


async def current_ticket(engine: AsyncEngine, ticket: Ticket) -> Ticket:
    """The ticket a family's link stands for now: its make-up, if it was given one (and that
    one's, and so on)."""
    for _ in range(MAX_CHAIN):
        following = await makeup_rows.successor(engine, ticket.id)
        if following is None:
            return ticket
        found = await ticket_rows.ticket_by_id(engine, following)
        if found is None:
            return ticket
        ticket = found
    return ticket
