"""The JSON API: every officer action, described in /api/openapi.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from server.db import ticket_rows
from server.errors import ApiError
from server.http.auth import (
    SUPERVISOR_ROLES,
    check_login,
    end_session,
    require_staff,
    start_session,
)
from server.http.lookups import hub_for, ticket_link
from server.http.openapi import openapi_document
from server.http.request_audit import audit
from server.i18n import RELATIONS
from server.keys import CLOCK, ENGINE, FACILITIES, HUBS
from server.services import facilities
from server.timefmt import local_day
from signaling.hub import TicketInfo

MIN_CALL_SECONDS = 10
MAX_CALL_SECONDS = 2 * 3600


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/logout", logout)
    app.router.add_get("/api/queue", queue)
    app.router.add_post("/api/tickets", issue_ticket)
    app.router.add_post("/api/visits", call_next)
    app.router.add_post("/api/visits/{visit_id:\\d+}/start", start_visit)
    app.router.add_post("/api/visits/{visit_id:\\d+}/extend", extend_visit)
    app.router.add_post("/api/visits/{visit_id:\\d+}/end", end_visit)
    app.router.add_post("/api/visits/{visit_id:\\d+}/legal", mark_legal)
    app.router.add_post("/api/visits/{visit_id:\\d+}/flag", flag_visit)
    app.router.add_post("/api/call-length", set_call_length)


async def json_body(request: web.Request) -> dict[str, Any]:
    # Requiring JSON also stops plain cross-site form posts, which cannot set this type.
    if request.content_type != "application/json":
        raise ApiError("bad_json", 415)
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError("bad_json") from None
    if not isinstance(data, dict):
        raise ApiError("bad_json")
    return data


def text_field(data: dict[str, Any], name: str, max_len: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise ApiError("bad_field", 422, field=name)
    return value.strip()


def optional_text(data: Mapping[str, Any], name: str, limit: int) -> str | None:
    """A text field that may be left out (None); present, it must be text within `limit`."""
    if name not in data:
        return None
    value = data[name]
    if not isinstance(value, str) or len(value) > limit:
        raise ApiError("bad_field", 422, field=name)
    return value.strip()


def int_field(data: dict[str, Any], name: str, low: int, high: int,
              default: int | None = None) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError("bad_field", 422, field=name)
    return value


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def login(request: web.Request) -> web.Response:
    data = await json_body(request)
    staff = await check_login(request, text_field(data, "username", 64),
                              text_field(data, "password", 256))
    if staff is None:
        raise ApiError("bad_login", 401)
    response = web.json_response({"username": staff.username, "role": staff.role})
    csrf = await start_session(request, response, staff)
    response.text = json.dumps({"username": staff.username, "role": staff.role,
                                "csrf_token": csrf})
    return response


async def logout(request: web.Request) -> web.Response:
    await require_staff(request)
    response = web.json_response({"ok": True})
    await end_session(request, response)
    return response


async def queue(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    return web.json_response(hub_for(request, staff).snapshot())


async def issue_ticket(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    data = await json_body(request)
    visitor_name = text_field(data, "visitor_name", 200)
    relation = data.get("relation", "other")
    if relation not in RELATIONS:
        raise ApiError("bad_field", 422, field="relation")
    inmate_id = int_field(data, "inmate_id", 1, 2**31)
    engine = request.app[ENGINE]
    inmates = {i["id"]: i for i in await ticket_rows.inmates_for(engine, staff.facility_id)}
    if inmate_id not in inmates or inmates[inmate_id]["status"] != "active":
        raise ApiError("inmate_unknown", 404)
    hub = hub_for(request, staff)
    await audit(request, "ticket.issue", f"inmate:{inmate_id}", staff=staff)
    facility_row = request.app[FACILITIES][staff.facility_id]
    now = request.app[CLOCK]()
    ticket, token = await ticket_rows.create_ticket(
        engine, staff.facility_id, local_day(now, facility_row.timezone), visitor_name,
        relation, inmate_id, now,
    )
    await hub.ticket_added(TicketInfo(ticket.id, ticket.number, ticket.visitor_name,
                                      ticket.relation, inmate_id, inmates[inmate_id]["full_name"],
                                      ticket.day))
    return web.json_response(
        {"ticket_id": ticket.id, "number": ticket.number, "link": ticket_link(request, token)},
        status=201,
    )


async def call_next(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    data = await json_body(request)
    hub = hub_for(request, staff)
    station_id = int_field(data, "station_id", 1, 2**31)
    await audit(request, "visit.call", f"station:{station_id}", staff=staff)
    info = await hub.call(station_id, staff.id, staff.username)
    return web.json_response(hub.visit_summary(info), status=201)


async def set_call_length(request: web.Request) -> web.Response:
    """An officer fixes the length of the calls started from now (minutes), or hands it back
    to the fair share (minutes null)."""
    staff = await require_staff(request)
    data = await json_body(request)
    hub = hub_for(request, staff)
    seconds = None
    if data.get("minutes") is not None:
        seconds = 60 * int_field(data, "minutes", 1, MAX_CALL_SECONDS // 60)
    await audit(request, "queue.call_length", f"facility:{staff.facility_id}",
                f"{seconds}s" if seconds else "fair_share", staff)
    facility = request.app[FACILITIES][staff.facility_id]
    day = local_day(request.app[CLOCK](), facility.timezone) if seconds else None
    # Stored, so a restart keeps the officer's choice, then taken on by the hub.
    await facilities.change_settings(request.app[ENGINE], staff.facility_id,
                                     {"call_override_seconds": seconds, "call_override_day": day})
    await facilities.refresh(request.app[ENGINE], request.app[FACILITIES], request.app[HUBS],
                             staff.facility_id)
    snap = hub.snapshot()
    return web.json_response({key: snap[key] for key in
                              ("call_seconds", "call_length_source", "fair_share_seconds")})


def _visit_id(request: web.Request) -> int:
    return int(request.match_info["visit_id"])


async def start_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    data = await json_body(request)
    if data.get("inmate_confirmed") is not True:
        raise ApiError("inmate_confirm", 422)
    hub = hub_for(request, staff)
    allotted = None
    if "allotted_seconds" in data:
        allotted = int_field(data, "allotted_seconds", MIN_CALL_SECONDS, MAX_CALL_SECONDS)
    await audit(request, "visit.start", f"visit:{_visit_id(request)}", staff=staff)
    info = await hub.start(_visit_id(request), allotted, staff.username)
    return web.json_response(hub.visit_summary(info))


async def extend_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    data = await json_body(request)
    hub = hub_for(request, staff)
    seconds = int_field(data, "seconds", 1, 1800)
    await audit(request, "visit.extend", f"visit:{_visit_id(request)}", f"+{seconds}s", staff)
    info = await hub.extend(_visit_id(request), seconds, staff.username)
    return web.json_response(hub.visit_summary(info))


async def end_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    data = await json_body(request)
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise ApiError("bad_field", 422, field="reason")
    hub = hub_for(request, staff)
    await audit(request, "visit.end", f"visit:{_visit_id(request)}", staff=staff)
    info = await hub.end(_visit_id(request), reason.strip() or "officer", staff.username)
    return web.json_response(hub.visit_summary(info))


async def mark_legal(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    hub = hub_for(request, staff)
    await audit(request, "visit.legal", f"visit:{_visit_id(request)}", staff=staff)
    info = await hub.mark_legal(_visit_id(request), staff.username)
    return web.json_response(hub.visit_summary(info))


async def flag_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISOR_ROLES)
    data = await json_body(request)
    reason = text_field(data, "reason", 500)
    hub = hub_for(request, staff)
    await audit(request, "visit.flag", f"visit:{_visit_id(request)}", staff=staff)
    info = await hub.flag(_visit_id(request), staff.username, reason)
    return web.json_response(hub.visit_summary(info))
