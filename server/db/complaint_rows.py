"""Complaint rows: filed by anyone with a tracking number, answered by a supervisor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.db.rows import row_dict


async def complaint_by_tracking(engine: AsyncEngine, facility_id: int,
                                tracking: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(db.complaints).where(
            db.complaints.c.facility_id == facility_id,
            db.complaints.c.tracking == tracking.strip().upper()))).first()
    return row_dict(row) if row else None


async def complaints_of(engine: AsyncEngine, facility_id: int) -> list[dict[str, Any]]:
    """The facility's complaints, the newest first."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(db.complaints).where(
            db.complaints.c.facility_id == facility_id).order_by(
            db.complaints.c.id.desc()))).all()
    return [row_dict(r) for r in rows]


async def insert_complaint(engine: AsyncEngine, *, facility_id: int, tracking: str, name: str,
                           contact: str, visit_ref: str, body: str, now: float) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(db.complaints).values(
            facility_id=facility_id, tracking=tracking, name=name, contact=contact,
            visit_ref=visit_ref, body=body, state="received", created_at=now))


async def answer_complaint(engine: AsyncEngine, facility_id: int, complaint_id: int,
                           answer: str, username: str, now: float) -> bool:
    """Record the answer; False when the facility has no such complaint."""
    async with engine.begin() as conn:
        result = await conn.execute(update(db.complaints).where(
            db.complaints.c.id == complaint_id,
            db.complaints.c.facility_id == facility_id,
        ).values(answer=answer, state="answered", answered_at=now, answered_by=username))
    return bool(result.rowcount)
