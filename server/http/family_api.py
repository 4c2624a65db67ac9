"""The families' side in the JSON API (tag registration): register (multipart, with the KTP),
read one's own requests, ask for a visit. The visitor's token in the path is the only key; no
cookie is used, so no other site can act through a family's browser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from server.db import visitors as reg
from server.errors import ApiError
from server.http.family import _read_form, register_visitor
from server.http.lookups import facility_from_path, rate_limit, ticket_link
from server.http.officer_api import json_body, optional_text
from server.i18n import request_lang, translate
from server.keys import ENGINE, SECRET
from server.secret import approved_ticket_token
from server.services.visit_requests import InmateRef, ask_for_inmate, slots_of_ref


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/facilities/{code}/visitors", register)
    app.router.add_get("/api/visitors/{token}", visitor)
    app.router.add_get("/api/visitors/{token}/slots", slots)
    app.router.add_post("/api/visitors/{token}/requests", ask)


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
    return web.json_response({"visitor_token": token, "page": f"/v/{token}"}, status=201)


async def _visitor(request: web.Request) -> dict[str, Any]:
    found = await reg.visitor_by_token(request.app[ENGINE], request.match_info["token"])
    if found is None:
        raise ApiError("bad_visitor_title", 404)
    return found


async def visitor(request: web.Request) -> web.Response:
    found = await _visitor(request)
    requests = await reg.requests_of_visitor(request.app[ENGINE], found["id"])
    tokens = [approved_ticket_token(request.app[SECRET], r) for r in requests]
    return web.json_response({
        "full_name": found["full_name"], "relation": found["relation"],
        "requests": [{
            "id": r["id"], "inmate_name": r["inmate_name"], "state": r["state"],
            "reason": r["reason"], "day": r["day"], "session": r["session_name"],
            "queue_number": r["queue_number"],
            "queue_room": ticket_link(request, token) if token else None,
        } for r, token in zip(requests, tokens, strict=True)],
    })


def _ref(data: Mapping[str, Any]) -> InmateRef:
    """The inmate as the visitor named them: reg_number, or full_name and block."""
    ref = InmateRef(optional_text(data, "reg_number", 64) or "",
                    optional_text(data, "full_name", 200) or "",
                    optional_text(data, "block", 64) or "")
    if not ref.reg_number and not (ref.full_name and ref.block):
        raise ApiError("bad_field", 422, field="reg_number")
    return ref


async def slots(request: web.Request) -> web.Response:
    """The sessions this visitor may ask for, for the inmate named in the query."""
    found = await _visitor(request)
    rate_limit(request, "lookup")
    choices = await slots_of_ref(request, found, _ref(request.query), request_lang(request))
    return web.json_response({"slots": choices})


async def ask(request: web.Request) -> web.Response:
    found = await _visitor(request)
    rate_limit(request, "lookup")
    data = await json_body(request)
    slot = data.get("slot", "")
    if not isinstance(slot, str) or len(slot) > 40:
        raise ApiError("bad_field", 422, field="slot")
    request_id, state = await ask_for_inmate(request, found, _ref(data), slot)
    return web.json_response({"request_id": request_id, "state": state}, status=201)
