"""Registration officers check visit requests against the KTP and the inmate register, and
approve (a ticket for the session asked for follows) or reject with a reason; they can also ban
a visitor."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import ticket_rows
from server.db import visitors as reg
from server.errors import ApiError, InvalidField
from server.http.auth import require_staff
from server.http.lookups import facility_of, hub_for_facility, hub_running
from server.http.models import verification as m
from server.http.models.operation import operation
from server.http.models.reading import path_id, read_body
from server.http.pages import context, staff_or_login
from server.http.request_audit import audit, audit_with, request_event
from server.http.visit_records import day_start
from server.i18n import request_lang
from server.keys import CLOCK, CONFIG, ENGINE, SECRET
from server.secret import request_ticket_token
from server.services import approvals
from server.services.approvals import Approval
from server.services.audit import AuditEvent
from server.services.facilities import schedule_of
from server.services.hubs import tickets_changed
from server.services.notify import notify_request
from server.timefmt import local_day, local_time, session_label

VERIFIERS = frozenset({"registration", "officer", "supervisor", "admin"})
REJECT_REASONS = ("data_mismatch", "not_family", "inmate_unavailable", "ktp_unreadable",
                  "other")  # and "banned", given by a ban, never chosen


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/verify", verify_page)
    app.router.add_get("/verify/ktp/{visitor_id:\\d+}", ktp_file)
    app.router.add_get("/api/requests", list_requests)
    app.router.add_post("/api/requests/{request_id:\\d+}/approve", approve)
    app.router.add_post("/api/requests/{request_id:\\d+}/reject", reject)
    app.router.add_post("/api/visitors/{visitor_id:\\d+}/bans", ban_visitor)


async def approve_request(request: web.Request, request_id: int, decided_by: str,
                          event: AuditEvent | None = None) -> str:
    """Approve a pending request: a ticket for the session's day follows (it joins the queue
    when that session's queue opens), committed with `event`; returns its token."""
    engine = request.app[ENGINE]
    row = await reg.visit_request(engine, request_id)
    if row is None:
        raise ApiError("request_unknown", 404)
    facility = await facility_of(request, row["facility_id"])
    visitor = await reg.visitor(engine, row["visitor_id"])
    assert visitor is not None
    now = request.app[CLOCK]()
    if await reg.active_ban(engine, visitor["id"], row["inmate_id"], now) is not None:
        raise ApiError("banned", 403)
    # A facility whose hub runs nowhere yet: 503 now. (Not forwarded: a family's request that
    # is approved at once was written here already.)
    hub_running(request, facility.id)
    today = local_day(now, facility.timezone)
    day = row["day"] or today
    if day < today:  # its session has passed: the officer rejects it instead
        raise ApiError("request_expired", 409)
    if row["state"] != "pending":
        raise ApiError("request_decided", 409)
    schedule = schedule_of(facility)
    approval = Approval(
        request_id=request_id, facility_id=facility.id, visitor_id=visitor["id"],
        visitor_name=visitor["full_name"], relation=visitor["relation"],
        inmate_id=row["inmate_id"], day=day, session_name=row["session_name"],
        dated=bool(row["day"]),
        visits_per_week=schedule.visits_per_week if schedule is not None else None,
        decided_by=decided_by, now=now, token=request_ticket_token(request.app[SECRET],
                                                                    request_id))
    await approvals.approve(engine, approval, event)
    if day == today:  # into the queue now if its session's queue is open, else when it opens
        await tickets_changed(request.app, facility.id)
    await notify_request(request.app, request_id)
    return approval.token


async def _own_request(request: web.Request, facility_id: int) -> int:
    request_id = path_id(request, "request_id")
    row = await reg.visit_request(request.app[ENGINE], request_id)
    if row is None or row["facility_id"] != facility_id:
        raise ApiError("request_unknown", 404)
    return request_id


@operation("verification", "Approve a request: a ticket joins the queue of its session and "
           "the family's page shows its link", reply=m.Decided)
async def approve(request: web.Request) -> web.Response:
    staff = await require_staff(request, VERIFIERS)
    request_id = await _own_request(request, staff.facility_id)
    await approve_request(request, request_id, staff.username,
                          request_event(request, "request.approve", f"request:{request_id}",
                                        staff=staff))
    return web.json_response({"request_id": request_id, "state": "approved"})


@operation("verification", "Reject a request with a reason (and a note, required for 'other')",
           body=m.RejectBody, reply=m.Decided)
async def reject(request: web.Request) -> web.Response:
    staff = await require_staff(request, VERIFIERS)
    request_id = await _own_request(request, staff.facility_id)
    body = await read_body(request, m.RejectBody)
    reason, note = body.reason, body.note
    if reason == "other" and not note:
        raise InvalidField("note", "note_needed")

    async def decide(conn: AsyncConnection) -> None:
        decided = await reg.decide_in(conn, request_id, state="rejected",
                                      reason=f"{reason}: {note}".rstrip(": "),
                                      decided_at=request.app[CLOCK](),
                                      decided_by=staff.username)
        if not decided:
            raise ApiError("request_decided", 409)

    await audit_with(request, decide, "request.reject", f"request:{request_id}", reason, staff)
    await notify_request(request.app, request_id)
    return web.json_response({"request_id": request_id, "state": "rejected"})


@operation("verification", "Visit requests waiting for verification at the officer's "
           "facility", reply=m.PendingRequests)
async def list_requests(request: web.Request) -> web.Response:
    staff = await require_staff(request, VERIFIERS)
    rows = await reg.pending_requests(request.app[ENGINE], staff.facility_id)
    return web.json_response({"requests": rows})


async def verify_page(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request, VERIFIERS)
    facility = await facility_of(request, staff.facility_id)
    rows = await reg.pending_requests(request.app[ENGINE], facility.id)
    lang = request_lang(request)
    for row in rows:
        row["created_local"] = local_time(row["created_at"], facility.timezone, with_date=True)
        row["when"] = session_label(row, lang)
    bans = await reg.active_bans(request.app[ENGINE], facility.id, request.app[CLOCK]())
    for ban in bans:
        ban["until_local"] = local_day(ban["until"] - 1, facility.timezone)
    return aiohttp_jinja2.render_template("verify.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, rows=rows,
        reasons=REJECT_REASONS, bans=bans))


async def ktp_file(request: web.Request) -> web.StreamResponse:
    """A KTP, only to staff of the visitor's own facility; each view is audited."""
    staff = await require_staff(request, VERIFIERS)
    visitor = await reg.visitor(request.app[ENGINE], path_id(request, "visitor_id"))
    if visitor is None or visitor["facility_id"] != staff.facility_id:
        raise ApiError("not_found", 404)
    await audit(request, "ktp.view", f"visitor:{visitor['id']}", staff=staff)
    path = request.app[CONFIG].data_dir / "ktp" / visitor["ktp_file"]
    response = web.FileResponse(path, headers={"Cache-Control": "no-store",
                                               "Content-Disposition": "inline"})
    response.content_type = visitor["ktp_type"]
    return response


@operation("verification", "Ban a visitor from one inmate (inmate_id) or the whole facility "
           "until a date", body=m.BanBody, reply=m.Banned, status=201)
async def ban_visitor(request: web.Request) -> web.Response:
    """Ban a visitor from one inmate (inmate_id) or the whole facility, with a reason and an end
    date (YYYY-MM-DD, the facility's local date, the ban ends at its start)."""
    staff = await require_staff(request, VERIFIERS)
    visitor = await reg.visitor(request.app[ENGINE], path_id(request, "visitor_id"))
    if visitor is None or visitor["facility_id"] != staff.facility_id:
        raise ApiError("not_found", 404)
    body = await read_body(request, m.BanBody)
    reason, inmate_id = body.reason, body.inmate_id
    if inmate_id is not None:
        inmates = {i["id"] for i in await ticket_rows.inmates_for(request.app[ENGINE],
                                                            staff.facility_id)}
        if inmate_id not in inmates:
            raise InvalidField("inmate_id", "unknown")
    facility = await facility_of(request, staff.facility_id)
    until = day_start(body.until, facility.timezone)
    if until <= request.app[CLOCK]():
        raise InvalidField("until", "future")
    now = request.app[CLOCK]()
    hub = hub_for_facility(request, staff.facility_id)  # first: it may go to the hub's node

    async def ban(conn: AsyncConnection) -> tuple[int, int, list[int]]:
        ban_id = await reg.add_ban(
            conn, facility_id=staff.facility_id, visitor_id=visitor["id"], inmate_id=inmate_id,
            reason=reason, until=until, created_by=staff.username, created_at=now)
        # What the ban covers and was already asked for or approved goes too: a ticket
        # approved last week for Thursday must not open its queue room on Thursday.
        rejected, cancelled = await reg.withdraw_for_ban(
            conn, visitor["id"], inmate_id, local_day(now, facility.timezone),
            body.until.isoformat(), now, staff.username)
        return ban_id, rejected, cancelled

    ban_id, rejected, cancelled = await audit_with(
        request, ban, "visitor.ban", f"visitor:{visitor['id']}",
        f"inmate:{inmate_id}" if inmate_id else "facility", staff)
    for ticket_id in cancelled:
        await hub.ticket_cancelled(ticket_id)
    return web.json_response({"ban_id": ban_id, "until": until, "requests_rejected": rejected,
                              "tickets_cancelled": len(cancelled)}, status=201)
