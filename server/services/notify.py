"""Notifications to families when a request's state changes and when their turn is near: an
email (when the visitor gave one and SMTP is set up) and a call to the facility's webhook (which
it points at its WhatsApp or SMS gateway). They are written to an outbox and sent by
server/services/outbox.py, so a gateway that is down delays a message and never a visit.

The webhook payload is documented in docs/notifications.md."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server import links
from server.config import Config
from server.db import tables as db
from server.db import visitors as reg
from server.db.rows import row_dict
from server.i18n import translate
from server.keys import CLOCK, CONFIG, ENGINE, OUTBOX_WAKE, SECRET
from server.secret import approved_ticket_token

log = logging.getLogger(__name__)

EVENTS = ("request.pending", "request.approved", "request.rejected", "turn.near")


def message_text(event: str, values: dict[str, Any]) -> str:
    """The ready-to-send sentence for a family, in Bahasa Indonesia (gateways forward it)."""
    return translate(f"notify_{event.replace('.', '_')}", "id", **values)


async def _request_details(engine: AsyncEngine, request_id: int) -> dict[str, Any] | None:
    query = (
        select(db.visit_requests, db.visitors.c.full_name.label("visitor_name"),
               db.visitors.c.phone, db.visitors.c.email,
               db.inmates.c.full_name.label("inmate_name"),
               db.facilities.c.code.label("facility_code"),
               db.facilities.c.name.label("facility_name"),
               db.facilities.c.notify_webhook, db.tickets.c.number.label("queue_number"))
        .join(db.visitors, db.visitors.c.id == db.visit_requests.c.visitor_id)
        .join(db.inmates, db.inmates.c.id == db.visit_requests.c.inmate_id)
        .join(db.facilities, db.facilities.c.id == db.visit_requests.c.facility_id)
        .outerjoin(db.tickets, db.tickets.c.id == db.visit_requests.c.ticket_id)
        .where(db.visit_requests.c.id == request_id)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return row_dict(row) if row else None


def build_payload(event: str, row: dict[str, Any], config: Config, now: float,
                  secret: bytes) -> dict[str, Any]:
    token = approved_ticket_token(secret, row)
    queue_room = links.link(config, links.queue_room(token)) if token else None
    values = {
        "facility": row["facility_name"], "inmate": row["inmate_name"],
        "day": row.get("day") or "", "session": row.get("session_name") or "",
        "number": row.get("queue_number") or "", "link": queue_room or "",
        "reason": translate(f"reason_{(row.get('reason') or 'other').split(':')[0]}", "id"),
    }
    return {
        "event": event,
        "sent_at": datetime.fromtimestamp(now, UTC).isoformat(),
        "facility": {"code": row["facility_code"], "name": row["facility_name"]},
        "visitor": {"name": row["visitor_name"], "phone": row["phone"],
                    "email": row["email"] or None},
        "request": {"id": row["id"], "state": row["state"], "inmate_name": row["inmate_name"],
                    "day": row.get("day"), "session": row.get("session_name"),
                    "reason": row.get("reason") or None},
        "ticket": {"queue_number": row.get("queue_number"), "queue_room": queue_room}
        if queue_room else None,
        "message": message_text(event, values),
    }


async def enqueue(app: web.Application, event: str, row: dict[str, Any]) -> int:
    """Write the notifications of `event` for one request to the outbox; returns how many."""
    config = app[CONFIG]
    now = app[CLOCK]()
    payload = build_payload(event, row, config, now, app[SECRET])
    targets = []
    if row["email"] and config.smtp_host:
        targets.append(("email", row["email"]))
    if row["notify_webhook"]:
        targets.append(("webhook", row["notify_webhook"]))
    if not targets:
        return 0
    async with app[ENGINE].begin() as conn:
        for channel, recipient in targets:
            await conn.execute(insert(db.notifications).values(
                facility_id=row["facility_id"], channel=channel, recipient=recipient,
                event=event, payload=json.dumps(payload), state="pending", attempts=0,
                next_attempt_at=now, created_at=now))
    app[OUTBOX_WAKE].set()
    return len(targets)


async def notify_request(app: web.Application, request_id: int) -> None:
    """Tell the family its request's state. Never raises: the visit goes on regardless."""
    try:
        row = await _request_details(app[ENGINE], request_id)
        if row is not None:
            await enqueue(app, f"request.{row['state']}", row)
    except Exception:
        log.exception("notification for request %s could not be queued", request_id)


async def notify_turn_near(app: web.Application, ticket_id: int) -> None:
    """Tell the family of a ticket from a request that its turn is near."""
    try:
        found = await reg.request_of_ticket(app[ENGINE], ticket_id)
        if found is None:  # a ticket given at the desk: nobody to tell
            return
        row = await _request_details(app[ENGINE], found["id"])
        if row is not None:
            await enqueue(app, "turn.near", row)
    except Exception:
        log.exception("turn notification for ticket %s could not be queued", ticket_id)
