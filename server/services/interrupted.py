"""Visits a stopped server left open, closed at the next start; and the make-up time a family
is owed when a visit was cut short by a line or a server.

A server killed mid-visit (kill -9, a power cut) writes no end. When a server takes on a
facility's live day, any visit of it with no end was left by such a stop: one that had started
ends as `interrupted` at the last moment it was known to run (its row hears that every few
seconds), the family is owed the minutes it did not have, and its ticket is settled; one that
was only called never started, so its ticket simply waits again.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import ticket_rows, visit_rows
from server.services import makeup
from signaling import lifecycle as lc
from signaling.queue import TicketState

log = logging.getLogger(__name__)


def interrupted_visit(row: dict[str, float | int | str | None]) -> lc.Visit:
    """The visit of an unfinished row, ended as a restart finds it (pure)."""
    started = row["started_at"]
    visit = lc.Visit(visit_id=int(row["id"] or 0), ticket_id=int(row["ticket_id"] or 0),
                     station_id=int(row["station_id"] or 0),
                     called_at=float(row["called_at"] or 0.0),
                     allotted_seconds=int(row["allotted_seconds"] or 0),
                     started_at=float(started) if started is not None else None,
                     paused_seconds=float(row["paused_seconds"] or 0))
    known = [float(t) for t in (row["alive_at"], row["last_event_at"], started,
                                row["called_at"]) if t is not None]
    visit.ended_at = max(known)
    if started is None:
        visit.outcome, visit.end_reason = lc.Outcome.CANCELLED, "server_stopped"
    else:
        visit.outcome, visit.end_reason = lc.Outcome.INTERRUPTED, "server_stopped"
    visit.state = lc.VisitState.ENDED
    return visit


async def close_interrupted(engine: AsyncEngine, facility_id: int,
                            now: float) -> list[lc.Visit]:
    """Close the facility's visits a stopped server left open; returns them as closed."""
    closed = []
    for row in await visit_rows.unfinished_visits(engine, facility_id):
        visit = interrupted_visit(row)
        assert visit.outcome is not None and visit.ended_at is not None
        await visit_rows.update_visit(
            engine, visit.visit_id, ended_at=visit.ended_at, outcome=visit.outcome.value,
            end_reason=visit.end_reason, actual_seconds=visit.actual_seconds())
        await visit_rows.insert_visit_event(
            engine, visit_id=visit.visit_id, at=visit.ended_at, kind="ended", actor="system",
            detail=f"{visit.outcome.value}: {visit.end_reason}")
        # Called, never started: the family lost nothing and waits again for its turn.
        state = TicketState.WAITING if visit.started_at is None else TicketState.DONE
        await ticket_rows.set_ticket_state(engine, visit.ticket_id, state.value)
        owed = lc.makeup_seconds(visit)
        if owed > 0:  # a ticket first in the next session's queue (loaded by the hub after)
            await makeup.grant(engine, visit_id=visit.visit_id, seconds=owed,
                               reason=visit.outcome.value, by="system", now=now)
        log.warning("visit %s: left open by a stopped server, closed as %s (%s s of %s)",
                    visit.visit_id, visit.outcome.value, visit.actual_seconds(),
                    visit.allotted_seconds)
        closed.append(visit)
    return closed
