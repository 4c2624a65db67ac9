"""Audit events for requests: who asked, from where, and what came of it."""

from __future__ import annotations

from aiohttp import web

from server.db.staff_rows import Staff
from server.errors import ApiError
from server.keys import CLOCK, ENGINE
from server.services.audit import AuditEvent, AuditUnavailable, append


async def audit(
    request: web.Request,
    action: str,
    target: str = "",
    outcome: str = "ok",
    staff: Staff | None = None,
    actor: str | None = None,
) -> None:
    """Write the event or refuse the request: an action that cannot be audited does not happen."""
    event = AuditEvent(
        at=request.app[CLOCK](),
        actor=staff.username if staff else (actor or "anonymous"),
        role=staff.role if staff else "",
        action=action,
        target=target,
        outcome=outcome,
        source=request.remote or "",
    )
    try:
        await append(request.app[ENGINE], event)
    except AuditUnavailable:
        raise ApiError("audit_unavailable", 503) from None
