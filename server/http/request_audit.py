"""Audit events for requests: who asked, from where, and what came of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.staff_rows import Staff
from server.errors import ApiError
from server.keys import CLOCK, ENGINE
from server.services.audit import AuditEvent, AuditUnavailable, append, audited

T = TypeVar("T")


def request_event(request: web.Request, action: str, target: str = "", outcome: str = "ok",
                  staff: Staff | None = None, actor: str | None = None) -> AuditEvent:
    return AuditEvent(
        at=request.app[CLOCK](),
        actor=staff.username if staff else (actor or "anonymous"),
        role=staff.role if staff else "",
        action=action,
        target=target,
        outcome=outcome,
        source=request.remote or "",
    )


async def audit(
    request: web.Request,
    action: str,
    target: str = "",
    outcome: str = "ok",
    staff: Staff | None = None,
    actor: str | None = None,
) -> None:
    """Write the event or refuse the request: an action that cannot be audited does not happen."""
    try:
        await append(request.app[ENGINE],
                     request_event(request, action, target, outcome, staff, actor))
    except AuditUnavailable:
        raise ApiError("audit_unavailable", 503) from None


async def audit_with(
    request: web.Request,
    work: Callable[[AsyncConnection], Awaitable[T]],
    action: str,
    target: str = "",
    outcome: str = "ok",
    staff: Staff | None = None,
) -> T:
    """Do `work` (database writes only: it may be repeated after a concurrent write) and write
    its event in the same transaction: both happen, or neither. An ApiError raised by `work`
    refuses the request with no event."""
    try:
        return await audited(request.app[ENGINE],
                             request_event(request, action, target, outcome, staff), work)
    except AuditUnavailable:
        raise ApiError("audit_unavailable", 503) from None
