"""Personal data that is no longer needed goes: visitors whose every request was rejected, or who
never asked for a visit, are deleted with their KTP after `personal_data_days` (a facility with
visits on record keeps those visitors' records for the visit history). Each deletion is an audit
event. Notifications past the same period are deleted too (they name a recipient)."""

from __future__ import annotations

import contextlib

from aiohttp import web
from sqlalchemy import delete, select

from server.db import tables as db
from server.keys import CLOCK, CONFIG, ENGINE
from server.services.audit import AuditEvent, append


async def purge_stale_visitors(app: web.Application) -> int:
    engine = app[ENGINE]
    now = app[CLOCK]()
    before = now - app[CONFIG].personal_data_days * 86400
    async with engine.connect() as conn:
        stale = (await conn.execute(select(db.visitors).where(
            db.visitors.c.created_at < before))).all()
        kept = {row.visitor_id for row in (await conn.execute(
            select(db.visit_requests.c.visitor_id).where(
                db.visit_requests.c.state != "rejected"))).all()}
    removed = 0
    for visitor in stale:
        if visitor.id in kept:
            continue
        await append(engine, AuditEvent(now, "system", "system", "visitor.delete",
                                        f"visitor:{visitor.id}", "stale", ""))
        async with engine.begin() as conn:
            await conn.execute(delete(db.visit_requests).where(
                db.visit_requests.c.visitor_id == visitor.id))
            await conn.execute(delete(db.approved_pairs).where(
                db.approved_pairs.c.visitor_id == visitor.id))
            await conn.execute(delete(db.visitors).where(db.visitors.c.id == visitor.id))
        with contextlib.suppress(FileNotFoundError):
            (app[CONFIG].data_dir / "ktp" / visitor.ktp_file).unlink()
        removed += 1
    return removed


async def purge_old_notifications(app: web.Application) -> int:
    """Outbox rows older than `personal_data_days`: their recipient is an email address or a
    gateway; a message still unsent that long will not be."""
    before = app[CLOCK]() - app[CONFIG].personal_data_days * 86400
    async with app[ENGINE].begin() as conn:
        result = await conn.execute(delete(db.notifications).where(
            db.notifications.c.created_at < before))
    return int(result.rowcount or 0)
