"""The families' side in the JSON API (tag registration): register (multipart, with the KTP),
read one's own requests, ask for a visit. The visitor's token in the path is the only key; no
cookie is used, so no other site can act through a family's browser."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import links
from server.db import visitors as reg
from server.errors import ApiError, InvalidField
from server.http.family import _read_form, register_visitor
from server.http.lookups import (
    facility_from_path,
    inmate_misses_counted,
    rate_limit,
    site_link,
)
from server.http.models import family as m
from server.http.models.operation import operation, reply
from server.http.models.reading import path_key, read_body, read_query
from server.i18n import request_lang, translate
from server.keys import ENGINE, SECRET
from server.secret import approved_ticket_token
from server.services.visit_requests import InmateRef, ask_for_inmate, slots_of_ref


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/facilities/{code}/visitors", register)
    app.router.add_get("/api/visitors/{token}", visitor)
    app.router.add_get("/api/visitors/{token}/slots", slots)
    app.router.add_post("/api/visitors/{token}/requests", ask)


@operation("registration", "Register a visitor (multipart/form-data, with the KTP); 422 names "
           "each bad field in error.fields", body=m.RegistrationForm,
           body_type="multipart/form-data", reply=m.Registered, status=201, public=True)
async def register(request: web.Request) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        raise ApiError("facility_unknown", 404)
    rate_limit(request, "register")
    values, errors, upload = await _read_form(request)
    token = await register_visitor(request, facility, values, errors, upload)
    if errors:
        lang = request_lang(request)
        return web.json_response({"error": {
            "code": "bad_fields", "message": translate("bad_json", lang),
            "fields": {name: translate(f"err_{code}", lang) for name, code in errors.items()},
        }}, status=422)
    return reply(m.Registered, {"visitor_token": token, "page": f"/v/{token}"}, status=201)


async def _visitor(request: web.Request) -> dict[str, Any]:
    token = path_key(request, "token")
    found = await reg.visitor_by_token(request.app[ENGINE], token) if token else None
    if found is None:
        raise ApiError("bad_visitor_title", 404)
    return found


@operation("registration", "The visitor's own requests and, once approved, their queue room "
           "links", reply=m.VisitorView, public=True)
async def visitor(request: web.Request) -> web.Response:
    found = await _visitor(request)
    requests = await reg.requests_of_visitor(request.app[ENGINE], found["id"])
    tokens = [approved_ticket_token(request.app[SECRET], r) for r in requests]
    return reply(m.VisitorView, {
        "full_name": found["full_name"], "relation": found["relation"],
        "requests": [{
            "id": r["id"], "inmate_name": r["inmate_name"], "state": r["state"],
            "reason": r["reason"], "day": r["day"], "session": r["session_name"],
            "queue_number": r["queue_number"],
            "queue_room": site_link(request, links.queue_room(token)) if token else None,
        } for r, token in zip(requests, tokens, strict=True)],
    })


def _ref(named: m.InmateRef | m.AskBody) -> InmateRef:
    """The inmate as the visitor named them: reg_number, or full_name and block."""
    ref = InmateRef(named.reg_number, named.full_name, named.block)
    if not ref.reg_number and not (ref.full_name and ref.block):
        raise InvalidField("reg_number", "missing")
    return ref


@operation("registration", "The sessions the schedule opens to this visitor for one inmate; "
           "409 weekly_limit or no_session when there is none", query=m.InmateRef,
           reply=m.Slots, public=True)
async def slots(request: web.Request) -> web.Response:
    """The sessions this visitor may ask for, for the inmate named in the query."""
    found = await _visitor(request)
    rate_limit(request, "lookup")
    ref = _ref(read_query(request, m.InmateRef))
    with inmate_misses_counted(request):
        choices = await slots_of_ref(request.app, found, ref, request_lang(request))
    return reply(m.Slots, {"slots": choices})


@operation("registration", "Ask for a visit: the inmate by reg_number (or full_name and "
           "block) and the key of one of the slots offered", body=m.AskBody,
           reply=m.RequestState, status=201, public=True)
async def ask(request: web.Request) -> web.Response:
    found = await _visitor(request)
    rate_limit(request, "lookup")
    body = await read_body(request, m.AskBody)
    with inmate_misses_counted(request):
        request_id, state = await ask_for_inmate(request.app, found, _ref(body), body.slot)
    return reply(m.RequestState, {"request_id": request_id, "state": state}, status=201)
