"""The families' side in the JSON API (tag registration): register (multipart, with the KTP),
read one's own requests, ask for a visit. The visitor's token in the path is the only key; no
cookie is used, so no other site can act through a family's browser."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import registration_store as reg
from server import store
from server.api import json_body, text_field
from server.app_helpers import count_towards_limit, rate_limit, ticket_link
from server.errors import ApiError
from server.i18n import request_lang, translate
from server.keys import CLOCK, ENGINE
from server.registration import _read_form, register_visitor
from server.verification import approve_request


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/facilities/{code}/visitors", register)
    app.router.add_get("/api/visitors/{token}", visitor)
    app.router.add_post("/api/visitors/{token}/requests", ask)


async def register(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    facility = await store.facility_by_code(request.app[ENGINE], code) if len(code) <= 32 \
        else None
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
    return web.json_response({
        "full_name": found["full_name"], "relation": found["relation"],
        "requests": [{
            "id": r["id"], "inmate_name": r["inmate_name"], "state": r["state"],
            "reason": r["reason"],
            "queue_room": ticket_link(request, r["ticket_token"]) if r["ticket_token"] else None,
        } for r in requests],
    })


async def ask(request: web.Request) -> web.Response:
    found = await _visitor(request)
    rate_limit(request, "lookup")
    data = await json_body(request)
    reg_number = text_field(data, "reg_number", 64)
    engine = request.app[ENGINE]
    inmate = await reg.inmate_by_reg_number(engine, found["facility_id"], reg_number)
    if inmate is None:
        count_towards_limit(request, "lookup")
        raise ApiError("inmate_unknown", 404)
    if await reg.active_ban(engine, found["id"], inmate["id"], request.app[CLOCK]()):
        raise ApiError("banned", 403)
    request_id = await reg.create_request(
        engine, facility_id=found["facility_id"], visitor_id=found["id"],
        inmate_id=inmate["id"], state="pending", created_at=request.app[CLOCK]())
    state = "pending"
    if await reg.pair_approved(engine, found["id"], inmate["id"]):
        await approve_request(request, request_id, "auto")
        state = "approved"
    return web.json_response({"request_id": request_id, "state": state}, status=201)
