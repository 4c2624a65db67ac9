"""The audit log for supervisors, over the JSON API (reading it is itself audited)."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from server.db import staff_rows
from server.http.auth import SUPERVISOR_ROLES as SUPERVISORS
from server.http.auth import require_staff
from server.http.models.operation import operation, reply
from server.http.models.records import AuditLog
from server.http.request_audit import audit
from server.keys import ENGINE
from server.services.audit import first_break, read_all


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/audit", audit_log)


@operation("audit", "The audit log of the facility's staff, and whether its chain is intact",
           reply=AuditLog)
async def audit_log(request: web.Request) -> web.Response:
    """The chain's state and the events of this facility's staff (and the system's)."""
    staff = await require_staff(request, SUPERVISORS)
    events = await read_all(request.app[ENGINE])
    broken = first_break(events)
    colleagues = await staff_rows.staff_of(request.app[ENGINE], staff.facility_id)
    usernames = {s.username for s in colleagues}
    await audit(request, "audit.read", staff=staff)
    return reply(AuditLog, {
        "intact": broken is None,
        "first_break": broken[0] if broken else None,
        "events": [{"id": e.id, **asdict(e.event), "hash": e.hash} for e in events
                   if e.event.actor in usernames or e.event.actor == "system"][-500:],
    })
