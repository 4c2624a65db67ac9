"""Recording rows: what was recorded, where, its checksum, and when it was deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.db.rows import inserted_id, row_dict


async def insert_recording(engine: AsyncEngine, **values: Any) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(insert(db.recordings).values(**values))
    return inserted_id(result)


async def recordings_of(engine: AsyncEngine, facility_id: int,
                        visit_id: int | None = None) -> list[dict[str, Any]]:
    query = select(db.recordings).where(db.recordings.c.facility_id == facility_id,
                                        db.recordings.c.deleted_at.is_(None))
    if visit_id is not None:
        query = query.where(db.recordings.c.visit_id == visit_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(db.recordings.c.id))).all()
    return [row_dict(r) for r in rows]


async def recording(engine: AsyncEngine, recording_id: int) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(db.recordings).where(db.recordings.c.id == recording_id))).first()
    return row_dict(row) if row else None


async def all_recordings(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(db.recordings).order_by(db.recordings.c.id))).all()
    return [row_dict(r) for r in rows]


async def expired_recordings(engine: AsyncEngine, facility_id: int,
                             before: float) -> list[dict[str, Any]]:
    query = select(db.recordings).where(
        db.recordings.c.facility_id == facility_id, db.recordings.c.deleted_at.is_(None),
        db.recordings.c.closed_at < before)
    async with engine.connect() as conn:
        return [row_dict(r) for r in (await conn.execute(query)).all()]


async def mark_recording_deleted(engine: AsyncEngine, recording_id: int, now: float) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(db.recordings).where(db.recordings.c.id == recording_id)
                           .values(deleted_at=now))
