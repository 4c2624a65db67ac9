"""Visitors, their visit requests and the visitor-inmate pairs already approved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server import db
from server.store import _new_id, _row, new_token, token_hash


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
    return _new_id(result), token


async def visitor_by_token(engine: AsyncEngine, token: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visitors).where(
            db.visitors.c.token_hash == token_hash(token)))).first()
    return _row(row) if row else None


async def visitor_by_phone_and_nik(engine: AsyncEngine, facility_id: int, phone: str,
                                   nik: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visitors).where(
            db.visitors.c.facility_id == facility_id, db.visitors.c.phone == phone,
            db.visitors.c.nik == nik))).first()
    return _row(row) if row else None


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
    return _row(row) if row else None


async def inmate_by_reg_number(engine: AsyncEngine, facility_id: int,
                               reg_number: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.inmates).where(
            db.inmates.c.facility_id == facility_id, db.inmates.c.status == "active",
            db.inmates.c.reg_number == reg_number))).first()
    return _row(row) if row else None


async def create_request(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.visit_requests).values(**values))
    return _new_id(result)


async def requests_of_visitor(engine: AsyncEngine, visitor_id: int) -> list[dict[str, Any]]:
    query = (select(db.visit_requests, db.inmates.c.full_name.label("inmate_name"),
                    db.tickets.c.number.label("queue_number"))
             .join(db.inmates, db.inmates.c.id == db.visit_requests.c.inmate_id)
             .outerjoin(db.tickets, db.tickets.c.id == db.visit_requests.c.ticket_id)
             .where(db.visit_requests.c.visitor_id == visitor_id)
             .order_by(db.visit_requests.c.id.desc()))
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).all()]


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
        return [_row(r) for r in (await conn.execute(query)).all()]


async def visit_request(engine: AsyncEngine, request_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visit_requests).where(
            db.visit_requests.c.id == request_id))).first()
    return _row(row) if row else None


async def request_of_ticket(engine: AsyncEngine, ticket_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visit_requests).where(
            db.visit_requests.c.ticket_id == ticket_id))).first()
    return _row(row) if row else None


async def decide(engine: AsyncEngine, request_id: int, **values: Any) -> bool:
    """Record a decision on a pending request; False when someone decided first."""
    async with engine.begin() as conn:
        result = await conn.execute(update(db.visit_requests).where(
            db.visit_requests.c.id == request_id, db.visit_requests.c.state == "pending"
        ).values(**values))
    return bool(result.rowcount)


async def remember_pair(engine: AsyncEngine, visitor_id: int, inmate_id: int,
                        now: float) -> None:
    async with engine.begin() as conn:
        exists = (await conn.execute(select(db.approved_pairs).where(and_(
            db.approved_pairs.c.visitor_id == visitor_id,
            db.approved_pairs.c.inmate_id == inmate_id)))).first()
        if exists is None:
            await conn.execute(insert(db.approved_pairs).values(
                visitor_id=visitor_id, inmate_id=inmate_id, approved_at=now))


async def pair_approved(engine: AsyncEngine, visitor_id: int, inmate_id: int) -> bool:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.approved_pairs).where(and_(
            db.approved_pairs.c.visitor_id == visitor_id,
            db.approved_pairs.c.inmate_id == inmate_id)))).first()
    return row is not None


async def add_ban(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.bans).values(**values))
    return _new_id(result)


async def active_ban(engine: AsyncEngine, visitor_id: int, inmate_id: int,
                     now: float) -> dict[str, Any] | None:
    """A ban in force on this visitor for this inmate or for the whole facility."""
    query = select(db.bans).where(
        db.bans.c.visitor_id == visitor_id, db.bans.c.until > now,
        (db.bans.c.inmate_id == inmate_id) | db.bans.c.inmate_id.is_(None),
    ).order_by(db.bans.c.until.desc())
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return _row(row) if row else None


async def active_bans(engine: AsyncEngine, facility_id: int, now: float) -> list[dict[str, Any]]:
    query = (select(db.bans, db.visitors.c.full_name.label("visitor_name"),
                    db.inmates.c.full_name.label("inmate_name"))
             .join(db.visitors, db.visitors.c.id == db.bans.c.visitor_id)
             .outerjoin(db.inmates, db.inmates.c.id == db.bans.c.inmate_id)
             .where(db.bans.c.facility_id == facility_id, db.bans.c.until > now)
             .order_by(db.bans.c.until))
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).all()]
