"""Read-only views of the notification outbox, for the admin page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.db.rows import row_dict

STATES = ("pending", "sent", "failed")


async def outbox_report(engine: AsyncEngine, facility_id: int,
                        latest: int = 20) -> dict[str, Any]:
    """Counts by state and the latest messages with their attempts and last error."""
    table = db.notifications
    async with engine.connect() as conn:
        counts: dict[str, int] = {row[0]: row[1] for row in (await conn.execute(
            select(table.c.state, func.count()).where(table.c.facility_id == facility_id)
            .group_by(table.c.state))).all()}
        rows = (await conn.execute(
            select(table.c.id, table.c.event, table.c.channel, table.c.state,
                   table.c.attempts, table.c.last_error, table.c.created_at)
            .where(table.c.facility_id == facility_id)
            .order_by(table.c.id.desc()).limit(latest))).all()
    return {"counts": {state: counts.get(state, 0) for state in STATES},
            "latest": [row_dict(r) for r in rows]}
