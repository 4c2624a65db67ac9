"""Inmates of the register and the day's tickets (queue numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import tables as db
from server.db.atomic import atomic, lock_row
from server.db.rows import inserted_id, new_token, row_dict, token_hash


@dataclass(frozen=True)
class Ticket:
    id: int
    facility_id: int
    day: str
    number: int
    visitor_name: str
    relation: str
    inmate_id: int
    state: str
    session_name: str | None = None
    makeup_visit_id: int | None = None  # a make-up ticket: the visit it makes up for
    makeup_seconds: int | None = None
    makeup_reason: str = ""
    makeup_refusal: str = ""
    first_in_queue: bool = False


async def create_inmate(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.inmates).values(**values))
    return inserted_id(result)


async def inmates_for(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    query = (
        select(db.inmates).where(db.inmates.c.facility_id == facility_id).order_by(db.inmates.c.id)
    )
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def create_ticket(
    engine: AsyncEngine,
    facility_id: int,
    day: str,
    visitor_name: str,
    relation: str,
    inmate_id: int,
    now: float,
    token: str | None = None,
    session_name: str | None = None,
) -> tuple[Ticket, str]:
    token = token or new_token()

    async def work(conn: AsyncConnection) -> Ticket:
        return await insert_ticket(conn, facility_id, day, visitor_name, relation, inmate_id,
                                   now, token, session_name)

    return await atomic(engine, work), token


async def insert_ticket(
    conn: AsyncConnection,
    facility_id: int,
    day: str,
    visitor_name: str,
    relation: str,
    inmate_id: int,
    now: float,
    token: str,
    session_name: str | None = None,
) -> Ticket:
    """The day's next number, inside the caller's transaction. The facility's row is locked
    first, so writers of the same facility's tickets on any node take turns and never read the
    same highest number (the unique key on facility, day and number is the last line)."""
    await lock_row(conn, db.facilities, facility_id)
    last = (
        await conn.execute(
            select(func.max(db.tickets.c.number)).where(
                db.tickets.c.facility_id == facility_id, db.tickets.c.day == day
            )
        )
    ).scalar_one()
    values = dict(
        facility_id=facility_id,
        day=day,
        number=int(last or 0) + 1,
        visitor_name=visitor_name,
        relation=relation,
        inmate_id=inmate_id,
        state="waiting",
        session_name=session_name,
    )
    result = await conn.execute(
        insert(db.tickets).values(**values, token_hash=token_hash(token), created_at=now)
    )
    return Ticket(id=inserted_id(result), **values)  # type: ignore[arg-type]


_TICKET_COLUMNS = [c for c in db.tickets.c if c.name not in ("token_hash", "created_at")]


async def ticket_by_token(engine: AsyncEngine, token: str) -> Ticket | None:
    query = select(*_TICKET_COLUMNS).where(db.tickets.c.token_hash == token_hash(token))
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return Ticket(**row_dict(row)) if row else None


async def ticket_by_id(engine: AsyncEngine, ticket_id: int) -> Ticket | None:
    query = select(*_TICKET_COLUMNS).where(db.tickets.c.id == ticket_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return Ticket(**row_dict(row)) if row else None


async def tickets_for_day(engine: AsyncEngine, facility_id: int, day: str) -> list[Ticket]:
    query = (
        select(*_TICKET_COLUMNS)
        .where(db.tickets.c.facility_id == facility_id, db.tickets.c.day == day)
        .order_by(db.tickets.c.number)
    )
    async with engine.connect() as conn:
        return [Ticket(**row_dict(r)) for r in (await conn.execute(query)).all()]


async def set_ticket_state(engine: AsyncEngine, ticket_id: int, state: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(db.tickets).where(db.tickets.c.id == ticket_id).values(state=state)
        )


async def no_show_tickets(engine: AsyncEngine, facility_id: int, days: list[str]) -> list[Ticket]:
    query = select(*_TICKET_COLUMNS).where(
        db.tickets.c.facility_id == facility_id, db.tickets.c.state == "no_show",
        db.tickets.c.day.in_(days))
    async with engine.connect() as conn:
        return [Ticket(**row_dict(r)) for r in (await conn.execute(query)).all()]
