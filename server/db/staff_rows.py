"""Staff accounts and their server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.db.atomic import Target, writing
from server.db.rows import inserted_id, new_token, row_dict, token_hash


@dataclass(frozen=True)
class Staff:
    id: int
    facility_id: int
    username: str
    full_name: str
    role: str
    active: bool


async def create_staff(engine: Target, **values: Any) -> int:
    async with writing(engine) as conn:
        result = await conn.execute(insert(db.staff).values(**values))
    return inserted_id(result)


async def staff_credentials(engine: AsyncEngine, username: str) -> tuple[Staff, str] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.staff).where(db.staff.c.username == username))).first()
    if row is None:
        return None
    values = row_dict(row)
    password_hash = values.pop("password_hash")
    return Staff(**values), password_hash


async def set_password_hash(engine: AsyncEngine, staff_id: int, password_hash: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(db.staff).where(db.staff.c.id == staff_id).values(password_hash=password_hash)
        )


async def update_staff(engine: Target, staff_id: int, **values: Any) -> None:
    async with writing(engine) as conn:
        await conn.execute(update(db.staff).where(db.staff.c.id == staff_id).values(**values))
        if values.get("active") is False or "password_hash" in values or "role" in values:
            # A disabled account, a new password or a new role ends every session of the old
            # one: whoever holds it logs in again with what they may do now.
            await conn.execute(db.staff_sessions.delete().where(
                db.staff_sessions.c.staff_id == staff_id))


async def staff_of(engine: AsyncEngine, facility_id: int) -> list[Staff]:
    query = select(*[c for c in db.staff.c if c.name != "password_hash"]).where(
        db.staff.c.facility_id == facility_id)
    async with engine.connect() as conn:
        return [Staff(**row_dict(r)) for r in (await conn.execute(query)).all()]


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
    values = row_dict(row)
    values.pop("password_hash")
    csrf = values.pop("csrf_token")
    return Staff(**values), csrf


async def live_sessions(engine: AsyncEngine, hashes: set[str],
                        now: float) -> dict[str, tuple[int, str]]:
    """Of these session hashes, those still valid (not ended, not expired, account on), with
    their staff id and role now."""
    if not hashes:
        return {}
    query = (
        select(db.staff_sessions.c.token_hash, db.staff.c.id, db.staff.c.role)
        .join(db.staff, db.staff.c.id == db.staff_sessions.c.staff_id)
        .where(db.staff_sessions.c.token_hash.in_(hashes),
               db.staff_sessions.c.expires_at > now, db.staff.c.active.is_(True)))
    async with engine.connect() as conn:
        return {r.token_hash: (r.id, r.role) for r in (await conn.execute(query)).all()}


async def delete_session(engine: AsyncEngine, token: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            db.staff_sessions.delete().where(db.staff_sessions.c.token_hash == token_hash(token))
        )
