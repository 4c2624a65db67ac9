"""Rows of make-up tickets, read and written on a connection the caller holds, so a make-up is
granted in the same transaction as whatever ended the visit it makes up for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import tables as db
from server.db.facility_rows import Facility
from server.db.rows import inserted_id, new_token, row_dict, token_hash

NUMBER_RETRIES = 5


async def visit_and_ticket(conn: AsyncConnection, visit_id: int) -> dict[str, Any] | None:
    """The visit with what a make-up needs of its ticket, inmate and facility."""
    query = (
        select(db.visits.c.id.label("visit_id"), db.visits.c.facility_id,
               db.visits.c.inmate_id, db.visits.c.ticket_id,
               db.tickets.c.visitor_name, db.tickets.c.relation, db.tickets.c.day,
               db.tickets.c.session_name,
               db.inmates.c.block, db.inmates.c.cell, db.inmates.c.categories,
               db.inmates.c.status.label("inmate_status"))
        .join(db.tickets, db.tickets.c.id == db.visits.c.ticket_id)
        .join(db.inmates, db.inmates.c.id == db.visits.c.inmate_id)
        .where(db.visits.c.id == visit_id))
    row = (await conn.execute(query)).first()
    return row_dict(row) if row else None


async def facility(conn: AsyncConnection, facility_id: int) -> Facility:
    row = (await conn.execute(select(db.facilities).where(db.facilities.c.id == facility_id)))
    return Facility(**row_dict(row.one()))


async def makeup_of_visit(conn: AsyncConnection, visit_id: int) -> int | None:
    query = select(db.tickets.c.id).where(db.tickets.c.makeup_visit_id == visit_id)
    return (await conn.execute(query)).scalar()


async def visitor_of_ticket(conn: AsyncConnection, ticket_id: int) -> int | None:
    """The visitor whose request the ticket answers (None: a ticket given at the desk)."""
    query = select(db.visit_requests.c.visitor_id).where(
        db.visit_requests.c.ticket_id == ticket_id)
    return (await conn.execute(query)).scalar()


async def banned(conn: AsyncConnection, visitor_id: int, inmate_id: int, now: float) -> bool:
    query = select(db.bans.c.id).where(
        db.bans.c.visitor_id == visitor_id, db.bans.c.until > now,
        (db.bans.c.inmate_id == inmate_id) | db.bans.c.inmate_id.is_(None)).limit(1)
    return (await conn.execute(query)).first() is not None


async def insert_makeup(conn: AsyncConnection, **values: Any) -> int:
    """A new ticket numbered after the day's last. Two writers may pick one number: the loser's
    savepoint is rolled back and it takes the next."""
    for attempt in range(NUMBER_RETRIES):
        last = (await conn.execute(select(func.max(db.tickets.c.number)).where(
            db.tickets.c.facility_id == values["facility_id"],
            db.tickets.c.day == values["day"]))).scalar_one()
        try:
            async with conn.begin_nested():
                # The family keeps using its first link (it leads here), so this ticket's own
                # token is thrown away: only its hash is kept, to fill the column.
                result = await conn.execute(insert(db.tickets).values(
                    **values, number=int(last or 0) + 1, token_hash=token_hash(new_token())))
            return inserted_id(result)
        except IntegrityError:
            if attempt == NUMBER_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


async def successor(engine: AsyncEngine, ticket_id: int) -> int | None:
    """The make-up ticket given for one of this ticket's visits, if any."""
    query = (select(db.tickets.c.id)
             .join(db.visits, db.visits.c.id == db.tickets.c.makeup_visit_id)
             .where(db.visits.c.ticket_id == ticket_id)
             .order_by(db.tickets.c.id.desc()).limit(1))
    async with engine.connect() as conn:
        return (await conn.execute(query)).scalar()


async def refuse(engine: AsyncEngine, ticket_id: int, reason: str) -> bool:
    """Refuse a make-up ticket that still waits; False when there is none such."""
    async with engine.begin() as conn:
        result = await conn.execute(
            update(db.tickets)
            .where(db.tickets.c.id == ticket_id, db.tickets.c.makeup_visit_id.is_not(None),
                   db.tickets.c.state == "waiting")
            .values(state="cancelled", makeup_refusal=reason))
    return bool(result.rowcount)


async def put_first(engine: AsyncEngine, ticket_id: int) -> None:
    """A ticket whose call was cancelled waits again, first in its queue."""
    async with engine.begin() as conn:
        await conn.execute(update(db.tickets).where(db.tickets.c.id == ticket_id)
                           .values(state="waiting", first_in_queue=True))


async def move_request(conn: AsyncConnection, old_ticket_id: int, new_ticket_id: int) -> None:
    """The request answered by the old ticket is answered by its make-up from now on."""
    await conn.execute(update(db.visit_requests)
                       .where(db.visit_requests.c.ticket_id == old_ticket_id)
                       .values(ticket_id=new_ticket_id))
