"""The JSON API: every officer action, described in /api/openapi.json."""

from __future__ import annotations

import json

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server import links
from server.db import ticket_rows
from server.db.rows import new_token
from server.errors import ApiError
from server.http.auth import (
    STAFF_ROLES,
    SUPERVISOR_ROLES,
    check_login,
    end_session,
    require_staff,
    start_session,
)
from server.http.lookups import hub_for, site_link
from server.http.models import officer as m
from server.http.models.common import Done
from server.http.models.operation import operation, reply, reply_body
from server.http.models.reading import path_id, read_body
from server.http.openapi import openapi_document
from server.http.request_audit import audit, audit_with
from server.keys import CLOCK, ENGINE, FACILITIES, HUBS
from server.services import facilities, makeup
from server.services.hubs import ticket_info
from server.timefmt import local_day


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/logout", logout)
    app.router.add_get("/api/queue", queue)
    app.router.add_post("/api/tickets", issue_ticket)
    app.router.add_post("/api/tickets/{ticket_id:\\d+}/refuse-makeup", refuse_makeup)
    app.router.add_post("/api/visits", call_next)
    app.router.add_post("/api/visits/{visit_id:\\d+}/start", start_visit)
    app.router.add_post("/api/visits/{visit_id:\\d+}/extend", extend_visit)
    app.router.add_post("/api/visits/{visit_id:\\d+}/end", end_visit)
    app.router.add_post("/api/visits/{visit_id:\\d+}/legal", mark_legal)
    app.router.add_post("/api/visits/{visit_id:\\d+}/flag", flag_visit)
    app.router.add_post("/api/call-length", set_call_length)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(request.app.router))


@operation("auth", "Log in; sets the session cookie and returns the CSRF token",
           body=m.LoginBody, reply=m.LoginReply, public=True)
async def login(request: web.Request) -> web.Response:
    body = await read_body(request, m.LoginBody)
    staff = await check_login(request, body.username, body.password)
    if staff is None:
        raise ApiError("bad_login", 401)
    response = web.json_response({})
    csrf = await start_session(request, response, staff)
    response.text = json.dumps(reply_body(m.LoginReply, {
        "username": staff.username, "role": staff.role, "csrf_token": csrf}))
    return response


@operation("auth", "End this session", reply=Done)
async def logout(request: web.Request) -> web.Response:
    await require_staff(request, STAFF_ROLES)  # every role may log itself out
    response = reply(Done, {"ok": True})
    await end_session(request, response)
    return response


@operation("visits", "Today's queue, stations and visits in progress", reply=m.Console)
async def queue(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    return reply(m.Console, hub_for(request, staff).snapshot())


@operation("visits", "Issue a ticket at the desk (the family came without a request)",
           body=m.TicketBody, reply=m.TicketReply, status=201)
async def issue_ticket(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    body = await read_body(request, m.TicketBody)
    visitor_name, relation, inmate_id = body.visitor_name, body.relation, body.inmate_id
    engine = request.app[ENGINE]
    inmates = {i["id"]: i for i in await ticket_rows.inmates_for(engine, staff.facility_id)}
    if inmate_id not in inmates or inmates[inmate_id]["status"] != "active":
        raise ApiError("inmate_unknown", 404)
    hub = hub_for(request, staff)
    facility_row = request.app[FACILITIES][staff.facility_id]
    now = request.app[CLOCK]()
    token = new_token()

    async def issue(conn: AsyncConnection) -> ticket_rows.Ticket:
        return await ticket_rows.insert_ticket(
            conn, staff.facility_id, local_day(now, facility_row.timezone), visitor_name,
            relation, inmate_id, now, token)

    # The ticket and its event commit together: a failed issue leaves no event behind.
    ticket = await audit_with(request, issue, "ticket.issue", f"inmate:{inmate_id}",
                              staff=staff)
    await hub.ticket_added(ticket_info(ticket, inmates[inmate_id]))
    return reply(m.TicketReply, {"ticket_id": ticket.id, "number": ticket.number,
                                 "link": site_link(request, links.queue_room(token))}, status=201)


@operation("visits", "Refuse a waiting make-up ticket, with the reason its family reads",
           body=m.RefuseMakeupBody, reply=Done)
async def refuse_makeup(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    body = await read_body(request, m.RefuseMakeupBody)
    ticket_id = path_id(request, "ticket_id")
    ticket = await ticket_rows.ticket_by_id(request.app[ENGINE], ticket_id)
    if ticket is None or ticket.facility_id != staff.facility_id:
        raise ApiError("ticket_unknown", 404)
    if ticket.makeup_visit_id is None or ticket.state != "waiting":
        raise ApiError("not_makeup", 409)
    hub = hub_for(request, staff)
    await audit(request, "ticket.refuse_makeup", f"ticket:{ticket_id}", body.reason[:64],
                staff)
    if not await makeup.refuse(request.app[ENGINE], ticket_id, body.reason):
        raise ApiError("not_makeup", 409)
    await hub.ticket_cancelled(ticket_id)
    return reply(Done, {"ok": True})


@operation("visits", "Call the next ticket whose family is present to a station (absent "
           "ones keep their place)", body=m.CallBody, reply=m.VisitReply, status=201)
async def call_next(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    body = await read_body(request, m.CallBody)
    hub = hub_for(request, staff)
    station_id = body.station_id
    info = await hub.call(station_id, staff.id, staff.username)
    await audit(request, "visit.call", f"station:{station_id}", staff=staff)
    return reply(m.VisitReply, hub.visit_summary(info), status=201)


@operation("visits", "Fix the length of the calls started from now (minutes), or null for "
           "the fair share: the length that serves everyone waiting before the session closes, "
           "within the schedule's minimum and maximum", body=m.CallLengthBody,
           reply=m.CallLengthReply)
async def set_call_length(request: web.Request) -> web.Response:
    """An officer fixes the length of the calls started from now (minutes), or hands it back
    to the fair share (minutes null)."""
    staff = await require_staff(request)
    body = await read_body(request, m.CallLengthBody)
    hub = hub_for(request, staff)
    seconds = None if body.minutes is None else 60 * body.minutes
    facility = request.app[FACILITIES][staff.facility_id]
    day = local_day(request.app[CLOCK](), facility.timezone) if seconds else None
    # Stored, so a restart keeps the officer's choice, then taken on by the hub.
    await audit_with(request, lambda conn: facilities.write_settings(
        conn, staff.facility_id, {"call_override_seconds": seconds, "call_override_day": day}),
        "queue.call_length", f"facility:{staff.facility_id}",
        f"{seconds}s" if seconds else "fair_share", staff)
    await facilities.refresh(request.app[ENGINE], request.app[FACILITIES], request.app[HUBS],
                             staff.facility_id)
    snap = hub.snapshot()
    return reply(m.CallLengthReply, {key: snap[key] for key in
                              ("call_seconds", "call_length_source", "fair_share_seconds")})


def _visit_id(request: web.Request) -> int:
    return path_id(request, "visit_id")


@operation("visits", "Start the call once the inmate is confirmed at the station",
           body=m.StartBody, reply=m.VisitReply)
async def start_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    body = await read_body(request, m.StartBody)
    if not body.inmate_confirmed:
        raise ApiError("inmate_confirm", 422)
    hub = hub_for(request, staff)
    allotted = body.allotted_seconds
    info = await hub.start(_visit_id(request), allotted, staff.username)
    await audit(request, "visit.start", f"visit:{_visit_id(request)}", staff=staff)
    return reply(m.VisitReply, hub.visit_summary(info))


@operation("visits", "Give a live visit more time", body=m.ExtendBody, reply=m.VisitReply)
async def extend_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    body = await read_body(request, m.ExtendBody)
    hub = hub_for(request, staff)
    seconds = body.seconds
    info = await hub.extend(_visit_id(request), seconds, staff.username)
    await audit(request, "visit.extend", f"visit:{_visit_id(request)}", f"+{seconds}s", staff)
    return reply(m.VisitReply, hub.visit_summary(info))


@operation("visits", "End a visit now (or cancel a called one)", body=m.EndBody,
           reply=m.VisitReply)
async def end_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    body = await read_body(request, m.EndBody)
    hub = hub_for(request, staff)
    info = await hub.end(_visit_id(request), body.reason or "officer", staff.username)
    await audit(request, "visit.end", f"visit:{_visit_id(request)}", staff=staff)
    return reply(m.VisitReply, hub.visit_summary(info))


@operation("monitoring", "Mark a visit legal: monitors are cut and its recording so far "
           "deleted", reply=m.VisitReply)
async def mark_legal(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    hub = hub_for(request, staff)
    info = await hub.mark_legal(_visit_id(request), staff.username)
    await audit(request, "visit.legal", f"visit:{_visit_id(request)}", staff=staff)
    return reply(m.VisitReply, hub.visit_summary(info))


@operation("monitoring", "Flag a visit for review (supervisor); the visit's pages are not "
           "told", body=m.FlagBody, reply=m.VisitReply)
async def flag_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISOR_ROLES)
    body = await read_body(request, m.FlagBody)
    reason = body.reason
    hub = hub_for(request, staff)
    info = await hub.flag(_visit_id(request), staff.username, reason)
    await audit(request, "visit.flag", f"visit:{_visit_id(request)}", staff=staff)
    return reply(m.VisitReply, hub.visit_summary(info))
