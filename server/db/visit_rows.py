"""Visits, their timelines, and the filtered lists staff read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import tables as db
from server.db.rows import inserted_id, row_dict


async def insert_visit(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.visits).values(**values))
    return inserted_id(result)


async def update_visit(engine: AsyncEngine, visit_id: int, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(db.visits).where(db.visits.c.id == visit_id).values(**values))


@dataclass(frozen=True)
class VisitFilter:
    """What a supervisor narrows the history to; times are epoch bounds of local dates."""

    since: float | None = None
    until: float | None = None
    inmate: str = ""  # part of the name or the registration number
    visitor: str = ""
    station_id: int | None = None
    outcome: str = ""


async def visit_records(
    engine: AsyncEngine, facility_id: int, limit: int = 200,
    where: VisitFilter = VisitFilter(), visit_id: int | None = None,
) -> list[dict[str, Any]]:
    query = (
        select(
            db.visits,
            db.tickets.c.number.label("ticket_number"),
            db.tickets.c.visitor_name,
            db.tickets.c.relation,
            db.tickets.c.created_at.label("ticket_created_at"),
            db.inmates.c.full_name.label("inmate_name"),
            db.inmates.c.reg_number.label("inmate_reg_number"),
            db.inmates.c.block,
            db.stations.c.name.label("station_name"),
            db.staff.c.username.label("officer_username"),
        )
        .join(db.tickets, db.tickets.c.id == db.visits.c.ticket_id)
        .join(db.inmates, db.inmates.c.id == db.visits.c.inmate_id)
        .join(db.stations, db.stations.c.id == db.visits.c.station_id)
        .join(db.staff, db.staff.c.id == db.visits.c.officer_id)
        .where(db.visits.c.facility_id == facility_id)
        .order_by(db.visits.c.id.desc())
        .limit(limit)
    )
    if visit_id is not None:
        query = query.where(db.visits.c.id == visit_id)
    if where.since is not None:
        query = query.where(db.visits.c.called_at >= where.since)
    if where.until is not None:
        query = query.where(db.visits.c.called_at < where.until)
    if where.inmate:
        like = f"%{where.inmate}%"
        query = query.where(
            db.inmates.c.full_name.ilike(like) | db.inmates.c.reg_number.ilike(like))
    if where.visitor:
        query = query.where(db.tickets.c.visitor_name.ilike(f"%{where.visitor}%"))
    if where.station_id is not None:
        query = query.where(db.visits.c.station_id == where.station_id)
    if where.outcome:
        query = query.where(db.visits.c.outcome == where.outcome)
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def visit_record(engine: AsyncEngine, visit_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visits).where(db.visits.c.id == visit_id))).first()
    return row_dict(row) if row else None


async def insert_visit_event(engine: AsyncEngine, **values: Any) -> None:
    async with engine.begin() as conn:
        await insert_visit_event_on(conn, **values)


async def insert_visit_event_on(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(db.visit_events).values(**values))


async def visit_events(engine: AsyncEngine, visit_id: int) -> list[dict[str, Any]]:
    query = (select(db.visit_events).where(db.visit_events.c.visit_id == visit_id)
             .order_by(db.visit_events.c.at, db.visit_events.c.id))
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def unfinished_visits(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    """Visits of the facility with no end, and the last time each was known to run."""
    last_event = (select(func.max(db.visit_events.c.at))
                  .where(db.visit_events.c.visit_id == db.visits.c.id).scalar_subquery())
    query = (select(db.visits, last_event.label("last_event_at"))
             .where(db.visits.c.facility_id == facility_id, db.visits.c.ended_at.is_(None))
             .order_by(db.visits.c.id))
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]
