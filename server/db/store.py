"""Reading and writing the durable records. Every function takes the engine; no state here."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Facility:
    id: int
    code: str
    name: str
    timezone: str
    default_call_seconds: int
    changeover_seconds: int
    grace_seconds: int
    recording: str = "off"
    retention_days: int = 90
    address: str = ""
    complaint_contact: str = ""
    schedule_toml: str | None = None
    notify_webhook: str = ""
    notify_secret_sealed: str = ""
    ask_by_name: bool = False
    call_override_seconds: int | None = None
    call_override_day: str | None = None


@dataclass(frozen=True)
class Staff:
    id: int
    facility_id: int
    username: str
    full_name: str
    role: str
    active: bool


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


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _row(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


# Facilities and stations ----------------------------------------------------------------------


async def facilities_all(engine: AsyncEngine) -> list[Facility]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(db.facilities).order_by(db.facilities.c.id))).all()
    return [Facility(**_row(r)) for r in rows]


async def create_facility(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.facilities).values(**values))
    return _new_id(result)


async def facility_by_code(engine: AsyncEngine, code: str) -> Facility | None:
    async with engine.connect() as conn:
        query = select(db.facilities).where(db.facilities.c.code == code)
        row = (await conn.execute(query)).first()
    return Facility(**_row(row)) if row else None


async def stations_for(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    query = (
        select(db.stations.c.id, db.stations.c.name, db.stations.c.facility_id)
        .where(db.stations.c.facility_id == facility_id)
        .order_by(db.stations.c.id)
    )
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).all()]


async def create_station(engine: AsyncEngine, facility_id: int, name: str) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(db.stations).values(facility_id=facility_id, name=name, token_hash=None)
        )
    return _new_id(result)


async def rotate_station_token(engine: AsyncEngine, station_id: int) -> str:
    """A new kiosk token for the station; the old link stops working."""
    token = new_token()
    async with engine.begin() as conn:
        await conn.execute(
            update(db.stations)
            .where(db.stations.c.id == station_id)
            .values(token_hash=token_hash(token))
        )
    return token


async def station_by_token(engine: AsyncEngine, token: str) -> dict[str, Any] | None:
    query = select(db.stations.c.id, db.stations.c.name, db.stations.c.facility_id).where(
        db.stations.c.token_hash == token_hash(token)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return _row(row) if row else None


# Staff and their sessions ---------------------------------------------------------------------


async def create_staff(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.staff).values(**values))
    return _new_id(result)


async def staff_credentials(engine: AsyncEngine, username: str) -> tuple[Staff, str] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.staff).where(db.staff.c.username == username))).first()
    if row is None:
        return None
    values = _row(row)
    password_hash = values.pop("password_hash")
    return Staff(**values), password_hash


async def set_password_hash(engine: AsyncEngine, staff_id: int, password_hash: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(db.staff).where(db.staff.c.id == staff_id).values(password_hash=password_hash)
        )


async def update_staff(engine: AsyncEngine, staff_id: int, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(db.staff).where(db.staff.c.id == staff_id).values(**values))
        if values.get("active") is False or "password_hash" in values:
            # A disabled account or a new password ends every session of the old one.
            await conn.execute(db.staff_sessions.delete().where(
                db.staff_sessions.c.staff_id == staff_id))


async def staff_of(engine: AsyncEngine, facility_id: int) -> list[Staff]:
    query = select(*[c for c in db.staff.c if c.name != "password_hash"]).where(
        db.staff.c.facility_id == facility_id)
    async with engine.connect() as conn:
        return [Staff(**_row(r)) for r in (await conn.execute(query)).all()]


async def count_staff(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(db.staff))).scalar_one())


async def create_session(
    engine: AsyncEngine, staff_id: int, now: float, hours: int
) -> tuple[str, str]:
    token, csrf = new_token(), new_token()
    async with engine.begin() as conn:
        await conn.execute(
            insert(db.staff_sessions).values(
                token_hash=token_hash(token),
                staff_id=staff_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + hours * 3600,
            )
        )
    return token, csrf


async def session_staff(engine: AsyncEngine, token: str, now: float) -> tuple[Staff, str] | None:
    query = (
        select(db.staff, db.staff_sessions.c.csrf_token)
        .join(db.staff_sessions, db.staff_sessions.c.staff_id == db.staff.c.id)
        .where(
            db.staff_sessions.c.token_hash == token_hash(token),
            db.staff_sessions.c.expires_at > now,
            db.staff.c.active.is_(True),
        )
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    values = _row(row)
    values.pop("password_hash")
    csrf = values.pop("csrf_token")
    return Staff(**values), csrf


async def delete_session(engine: AsyncEngine, token: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            db.staff_sessions.delete().where(db.staff_sessions.c.token_hash == token_hash(token))
        )


# Inmates and tickets --------------------------------------------------------------------------


async def create_inmate(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.inmates).values(**values))
    return _new_id(result)


async def inmates_for(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    query = (
        select(db.inmates).where(db.inmates.c.facility_id == facility_id).order_by(db.inmates.c.id)
    )
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).all()]


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
    async with engine.begin() as conn:
        last = (
            await conn.execute(
                select(func.max(db.tickets.c.number)).where(
                    db.tickets.c.facility_id == facility_id, db.tickets.c.day == day
                )
            )
        ).scalar_one()
        number = int(last or 0) + 1
        values = dict(
            facility_id=facility_id,
            day=day,
            number=number,
            visitor_name=visitor_name,
            relation=relation,
            inmate_id=inmate_id,
            state="waiting",
            session_name=session_name,
        )
        result = await conn.execute(
            insert(db.tickets).values(**values, token_hash=token_hash(token), created_at=now)
        )
    return Ticket(id=_new_id(result), **values), token  # type: ignore[arg-type]


_TICKET_COLUMNS = [c for c in db.tickets.c if c.name not in ("token_hash", "created_at")]


async def ticket_by_token(engine: AsyncEngine, token: str) -> Ticket | None:
    query = select(*_TICKET_COLUMNS).where(db.tickets.c.token_hash == token_hash(token))
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return Ticket(**_row(row)) if row else None


async def tickets_for_day(engine: AsyncEngine, facility_id: int, day: str) -> list[Ticket]:
    query = (
        select(*_TICKET_COLUMNS)
        .where(db.tickets.c.facility_id == facility_id, db.tickets.c.day == day)
        .order_by(db.tickets.c.number)
    )
    async with engine.connect() as conn:
        return [Ticket(**_row(r)) for r in (await conn.execute(query)).all()]


async def set_ticket_state(engine: AsyncEngine, ticket_id: int, state: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(db.tickets).where(db.tickets.c.id == ticket_id).values(state=state)
        )


# Visits ---------------------------------------------------------------------------------------


async def insert_visit(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.visits).values(**values))
    return _new_id(result)


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
        return [_row(r) for r in (await conn.execute(query)).all()]


async def no_show_tickets(engine: AsyncEngine, facility_id: int, days: list[str]) -> list[Ticket]:
    query = select(*_TICKET_COLUMNS).where(
        db.tickets.c.facility_id == facility_id, db.tickets.c.state == "no_show",
        db.tickets.c.day.in_(days))
    async with engine.connect() as conn:
        return [Ticket(**_row(r)) for r in (await conn.execute(query)).all()]


async def visit_record(engine: AsyncEngine, visit_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.visits).where(db.visits.c.id == visit_id))).first()
    return _row(row) if row else None


async def insert_visit_event(engine: AsyncEngine, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(db.visit_events).values(**values))


async def visit_events(engine: AsyncEngine, visit_id: int) -> list[dict[str, Any]]:
    query = (select(db.visit_events).where(db.visit_events.c.visit_id == visit_id)
             .order_by(db.visit_events.c.at, db.visit_events.c.id))
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).all()]


# Recordings -----------------------------------------------------------------------------------


async def insert_recording(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.recordings).values(**values))
    return _new_id(result)


async def recordings_of(engine: AsyncEngine, facility_id: int,
                        visit_id: int | None = None) -> list[dict[str, Any]]:
    query = select(db.recordings).where(db.recordings.c.facility_id == facility_id,
                                        db.recordings.c.deleted_at.is_(None))
    if visit_id is not None:
        query = query.where(db.recordings.c.visit_id == visit_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(db.recordings.c.id))).all()
    return [_row(r) for r in rows]


async def recording(engine: AsyncEngine, recording_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(db.recordings).where(db.recordings.c.id == recording_id))).first()
    return _row(row) if row else None


async def all_recordings(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(db.recordings).order_by(db.recordings.c.id))).all()
    return [_row(r) for r in rows]


async def expired_recordings(engine: AsyncEngine, facility_id: int,
                             before: float) -> list[dict[str, Any]]:
    query = select(db.recordings).where(
        db.recordings.c.facility_id == facility_id, db.recordings.c.deleted_at.is_(None),
        db.recordings.c.closed_at < before)
    async with engine.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).all()]


async def mark_recording_deleted(engine: AsyncEngine, recording_id: int, now: float) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(db.recordings).where(db.recordings.c.id == recording_id)
                           .values(deleted_at=now))
