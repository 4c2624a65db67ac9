"""Visitors, their visit requests and the visitor-inmate pairs already approved."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import tables as db
from server.db.rows import inserted_id, new_token, row_dict, token_hash
from signaling.schedule import week_of


class AlreadyRegistered(Exception):
    pass


async def create_visitor(engine: AsyncEngine, **values: Any) -> tuple[int, str]:
    token = new_token()
    try:
        async with engine.begin() as conn:
            result = await conn.execute(insert(db.visitors).values(
                **values, token_hash=token_hash(token)))
    except IntegrityError:
        raise AlreadyRegistered from None
    return inserted_id(result), token


async def visitor_by_token(engine: AsyncEngine, token: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visitors).where(
            db.visitors.c.token_hash == token_hash(token)))).first()
    return row_dict(row) if row else None


async def visitor_by_phone_and_nik(engine: AsyncEngine, facility_id: int, phone: str,
                                   nik: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visitors).where(
            db.visitors.c.facility_id == facility_id, db.visitors.c.phone == phone,
            db.visitors.c.nik == nik))).first()
    return row_dict(row) if row else None


async def new_visitor_token(engine: AsyncEngine, visitor_id: int) -> str:
    """A fresh link for a visitor who came back with the same phone and NIK."""
    token = new_token()
    async with engine.begin() as conn:
        await conn.execute(update(db.visitors).where(db.visitors.c.id == visitor_id)
                           .values(token_hash=token_hash(token)))
    return token


async def visitor(engine: AsyncEngine, visitor_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visitors).where(
            db.visitors.c.id == visitor_id))).first()
    return row_dict(row) if row else None


async def inmate_by_reg_number(engine: AsyncEngine, facility_id: int,
                               reg_number: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.inmates).where(
            db.inmates.c.facility_id == facility_id, db.inmates.c.status == "active",
            db.inmates.c.reg_number == reg_number))).first()
    return row_dict(row) if row else None


async def create_request(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.visit_requests).values(**values))
    return inserted_id(result)


async def requests_of_visitor(engine: AsyncEngine, visitor_id: int) -> list[dict[str, Any]]:
    query = (select(db.visit_requests, db.inmates.c.full_name.label("inmate_name"),
                    db.tickets.c.number.label("queue_number"))
             .join(db.inmates, db.inmates.c.id == db.visit_requests.c.inmate_id)
             .outerjoin(db.tickets, db.tickets.c.id == db.visit_requests.c.ticket_id)
             .where(db.visit_requests.c.visitor_id == visitor_id)
             .order_by(db.visit_requests.c.id.desc()))
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def pending_requests(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    query = (
        select(db.visit_requests,
               db.visitors.c.full_name.label("visitor_name"), db.visitors.c.nik,
               db.visitors.c.relation, db.visitors.c.phone, db.visitors.c.address,
               db.inmates.c.full_name.label("inmate_name"), db.inmates.c.reg_number,
               db.inmates.c.block)
        .join(db.visitors, db.visitors.c.id == db.visit_requests.c.visitor_id)
        .join(db.inmates, db.inmates.c.id == db.visit_requests.c.inmate_id)
        .where(db.visit_requests.c.facility_id == facility_id,
               db.visit_requests.c.state == "pending")
        .order_by(db.visit_requests.c.id)
    )
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def visit_request(engine: AsyncEngine, request_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visit_requests).where(
            db.visit_requests.c.id == request_id))).first()
    return row_dict(row) if row else None


async def request_of_ticket(engine: AsyncEngine, ticket_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visit_requests).where(
            db.visit_requests.c.ticket_id == ticket_id))).first()
    return row_dict(row) if row else None


async def decide(engine: AsyncEngine, request_id: int, **values: Any) -> bool:
    """Record a decision on a pending request; False when someone decided first."""
    async with engine.begin() as conn:
        return await decide_in(conn, request_id, **values)


async def decide_in(conn: AsyncConnection, request_id: int, **values: Any) -> bool:
    result = await conn.execute(update(db.visit_requests).where(
        db.visit_requests.c.id == request_id, db.visit_requests.c.state == "pending"
    ).values(**values))
    return bool(result.rowcount)


async def remember_pair_in(conn: AsyncConnection, visitor_id: int, inmate_id: int,
                           now: float) -> None:
    exists = (await conn.execute(select(db.approved_pairs).where(and_(
        db.approved_pairs.c.visitor_id == visitor_id,
        db.approved_pairs.c.inmate_id == inmate_id)))).first()
    if exists is None:
        await conn.execute(insert(db.approved_pairs).values(
            visitor_id=visitor_id, inmate_id=inmate_id, approved_at=now))


async def pending_request_for(engine: AsyncEngine, visitor_id: int, inmate_id: int,
                              today: str, today_start: float) -> bool:
    """Whether the visitor still waits for an answer about this inmate, for today or later (a
    request whose day passed unanswered does not hold the family back)."""
    requests = db.visit_requests.c
    async with engine.connect() as conn:
        row = (await conn.execute(select(requests.id).where(
            requests.visitor_id == visitor_id, requests.inmate_id == inmate_id,
            requests.state == "pending",
            (requests.day >= today)
            | (requests.day.is_(None) & (requests.created_at >= today_start))))).first()
    return row is not None


async def pair_approved(engine: AsyncEngine, visitor_id: int, inmate_id: int) -> bool:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.approved_pairs).where(and_(
            db.approved_pairs.c.visitor_id == visitor_id,
            db.approved_pairs.c.inmate_id == inmate_id)))).first()
    return row is not None


async def add_ban(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(db.bans).values(**values))
    return inserted_id(result)


async def withdraw_for_ban(conn: AsyncConnection, visitor_id: int, inmate_id: int | None,
                           today: str, until_day: str, now: float,
                           by: str) -> tuple[int, list[int]]:
    """For the days a ban covers (from `today` to the day before `until_day`), reject the
    visitor's pending requests and withdraw their approved, still waiting tickets; for one
    inmate or (inmate_id None) all. Returns how many requests were rejected and which tickets
    were cancelled. Inside the caller's transaction, with the ban itself."""
    requests = db.visit_requests.c
    scope = [requests.visitor_id == visitor_id,
             requests.day.is_(None) | (requests.day < until_day)]
    if inmate_id is not None:
        scope.append(requests.inmate_id == inmate_id)
    rejected = await conn.execute(update(db.visit_requests).where(
        *scope, requests.state == "pending").values(
        state="rejected", reason="banned", decided_at=now, decided_by=by))
    found = (await conn.execute(
        select(db.tickets.c.id, requests.id)
        .join(db.visit_requests, requests.ticket_id == db.tickets.c.id)
        .where(*scope, db.tickets.c.state == "waiting", db.tickets.c.day >= today,
               db.tickets.c.day < until_day))).all()
    tickets = [r[0] for r in found]
    if found:
        await conn.execute(update(db.tickets).where(db.tickets.c.id.in_(tickets))
                           .values(state="cancelled"))
        # The family's page says so instead of showing a link that no longer opens.
        await conn.execute(update(db.visit_requests).where(
            requests.id.in_([r[1] for r in found])).values(state="withdrawn",
                                                            reason="banned"))
    return int(rejected.rowcount or 0), tickets


async def active_ban(engine: AsyncEngine, visitor_id: int, inmate_id: int,
                     now: float) -> dict[str, Any] | None:
    """A ban in force on this visitor for this inmate or for the whole facility."""
    query = select(db.bans).where(
        db.bans.c.visitor_id == visitor_id, db.bans.c.until > now,
        (db.bans.c.inmate_id == inmate_id) | db.bans.c.inmate_id.is_(None),
    ).order_by(db.bans.c.until.desc())
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return row_dict(row) if row else None


async def active_bans(engine: AsyncEngine, facility_id: int, now: float) -> list[dict[str, Any]]:
    query = (select(db.bans, db.visitors.c.full_name.label("visitor_name"),
                    db.inmates.c.full_name.label("inmate_name"))
             .join(db.visitors, db.visitors.c.id == db.bans.c.visitor_id)
             .outerjoin(db.inmates, db.inmates.c.id == db.bans.c.inmate_id)
             .where(db.bans.c.facility_id == facility_id, db.bans.c.until > now)
             .order_by(db.bans.c.until))
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def booked_weeks(engine: AsyncEngine, inmate_id: int, first: date, last: date,
                       visitor_id: int | None = None) -> dict[tuple[int, int], int]:
    """Visits already given per ISO week (tickets not cancelled), plus this visitor's own
    requests still waiting for verification. Other families' pending requests do not count:
    one family asking for every session must not shut the others out."""
    async with engine.connect() as conn:
        return await booked_weeks_in(conn, inmate_id, first, last, visitor_id)


async def booked_weeks_in(conn: AsyncConnection, inmate_id: int, first: date, last: date,
                          visitor_id: int | None = None) -> dict[tuple[int, int], int]:
    days: list[str] = []
    low, high = first.isoformat(), last.isoformat()
    days += [r[0] for r in (await conn.execute(select(db.tickets.c.day).where(
        db.tickets.c.inmate_id == inmate_id, db.tickets.c.state != "cancelled",
        db.tickets.c.makeup_visit_id.is_(None),  # a make-up replaces, it adds no visit
        db.tickets.c.day >= low, db.tickets.c.day <= high))).all()]
    if visitor_id is not None:
        days += [r[0] for r in (await conn.execute(select(db.visit_requests.c.day).where(
            db.visit_requests.c.inmate_id == inmate_id,
            db.visit_requests.c.visitor_id == visitor_id,
            db.visit_requests.c.state == "pending",
            db.visit_requests.c.day >= low, db.visit_requests.c.day <= high))).all()]
    booked: dict[tuple[int, int], int] = {}
    for day in days:
        week = week_of(date.fromisoformat(day))
        booked[week] = booked.get(week, 0) + 1
    return booked
