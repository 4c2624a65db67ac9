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
from server.http.lookups import facility_of, hub_for_facility
from server.http.models import verification as m
from server.http.models.operation import operation, reply
from server.http.models.reading import path_id, read_body
from server.http.pages import context, staff_or_login
from server.http.request_audit import audit, audit_with, request_event
from server.i18n import request_lang
from server.keys import CLOCK, CONFIG, ENGINE
from server.services.notify import notify_request
from server.services.visit_requests import approve_request
from server.timefmt import day_start, local_day, local_time, session_label

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
    await approve_request(request.app, request_id, staff.username,
                          request_event(request, "request.approve", f"request:{request_id}",
                                        staff=staff))
    return reply(m.Decided, {"request_id": request_id, "state": "approved"})


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
    return reply(m.Decided, {"request_id": request_id, "state": "rejected"})


@operation("verification", "Visit requests waiting for verification at the officer's "
           "facility", reply=m.PendingRequests)
async def list_requests(request: web.Request) -> web.Response:
    staff = await require_staff(request, VERIFIERS)
    rows = await reg.pending_requests(request.app[ENGINE], staff.facility_id)
    return reply(m.PendingRequests, {"requests": rows})


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
    return reply(m.Banned, {"ban_id": ban_id, "until": until, "requests_rejected": rejected,
                              "tickets_cancelled": len(cancelled)}, status=201)
