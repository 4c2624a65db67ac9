"""Complaints (pengaduan): anyone may file one from the facility page or from a finished visit,
gets a tracking number to look it up later, and supervisors answer."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from server.db import complaint_rows
from server.errors import ApiError
from server.http import csrf
from server.http.auth import SUPERVISOR_ROLES, require_staff
from server.http.lookups import count_towards_limit, facility_from_path, facility_of, rate_limit
from server.http.models import complaints as m
from server.http.models.operation import operation, reply
from server.http.models.reading import path_id, path_key, read_body
from server.http.pages import context, error_page, render_form, supervisor_or_refuse
from server.http.request_audit import audit
from server.i18n import request_lang, translate
from server.keys import CLOCK, ENGINE
from server.timefmt import local_time

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread on a phone


def new_tracking() -> str:
    return "PGD-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/f/{code}/pengaduan", complaint_form)
    app.router.add_post("/f/{code}/pengaduan", complaint_submit)
    app.router.add_get("/f/{code}/pengaduan/{tracking}", complaint_status)
    app.router.add_get("/complaints", complaints_page)
    app.router.add_post("/api/facilities/{code}/complaints", file_complaint_json)
    app.router.add_get("/api/facilities/{code}/complaints/{tracking}", complaint_json)
    app.router.add_get("/api/complaints", list_complaints)
    app.router.add_post("/api/complaints/{complaint_id:\\d+}/answer", answer_complaint)


async def _facility_or_404(request: web.Request) -> Any:
    facility = await facility_from_path(request)
    if facility is None:
        raise ApiError("facility_unknown", 404)
    return facility


async def complaint_form(request: web.Request) -> web.Response:
    facility = await _facility_or_404(request)
    values = {"visit_ref": request.query.get("visit", "")[:64]}
    return render_form(request, "complaint.html", facility=facility, values=values, errors={})


async def complaint_submit(request: web.Request) -> web.Response:
    facility = await _facility_or_404(request)
    rate_limit(request, "register")
    form = await request.post()
    limits = {"name": 200, "contact": 200, "visit_ref": 64, "body": 2000, "csrf": 64}
    values = {k: str(form.get(k, ""))[:n].strip() for k, n in limits.items()}
    errors: dict[str, str] = {}
    if not csrf.form_token_ok(request, values["csrf"]):
        errors["form"] = "csrf"
    if len(values["body"]) < 10:
        errors["body"] = "complaint_short"
    if errors:
        return render_form(request, "complaint.html", 422, facility=facility, values=values,
                       errors=errors)
    tracking = await _file(request, facility.id, values)
    raise web.HTTPSeeOther(f"/f/{facility.code}/pengaduan/{tracking}")


async def _file(request: web.Request, facility_id: int, values: dict[str, str]) -> str:
    tracking = new_tracking()
    await complaint_rows.insert_complaint(
        request.app[ENGINE], facility_id=facility_id, tracking=tracking,
        name=values.get("name", ""), contact=values.get("contact", ""),
        visit_ref=values.get("visit_ref", ""), body=values["body"], now=request.app[CLOCK]())
    count_towards_limit(request, "register")
    return tracking


@operation("complaints", "File a complaint (no account needed); returns its tracking number",
           body=m.ComplaintBody, reply=m.ComplaintFiled, status=201, public=True)
async def file_complaint_json(request: web.Request) -> web.Response:
    facility = await _facility_or_404(request)
    rate_limit(request, "register")
    values = (await read_body(request, m.ComplaintBody)).model_dump()
    tracking = await _file(request, facility.id, values)
    return reply(m.ComplaintFiled, {"tracking": tracking, "state": "received"}, status=201)


async def _looked_up(request: web.Request) -> tuple[Any, dict[str, Any] | None]:
    """The facility and the complaint named in the URL; a miss counts toward the look-up limit."""
    facility = await _facility_or_404(request)
    rate_limit(request, "lookup")
    tracking = path_key(request, "tracking")
    row = None
    if tracking:
        row = await complaint_rows.complaint_by_tracking(request.app[ENGINE], facility.id,
                                                         tracking)
    if row is None:
        count_towards_limit(request, "lookup")
    return facility, row


@operation("complaints", "Read a complaint and its answer by tracking number",
           reply=m.ComplaintView, public=True)
async def complaint_json(request: web.Request) -> web.Response:
    _, row = await _looked_up(request)
    if row is None:
        raise ApiError("complaint_unknown", 404)
    return reply(m.ComplaintView, {k: row[k] for k in ("tracking", "state", "body", "answer",
                                                  "created_at", "answered_at")})


async def complaint_status(request: web.Request) -> web.Response:
    facility, row = await _looked_up(request)
    if row is None:
        lang = request_lang(request)
        return error_page(request, 404, translate("complaint_unknown", lang), "")
    lang = request_lang(request)
    row["created_local"] = local_time(row["created_at"], facility.timezone, True, lang)
    row["answered_local"] = local_time(row["answered_at"], facility.timezone, True, lang)
    return aiohttp_jinja2.render_template("complaint_status.html", request, context(
        request, facility=facility, c=row))


async def complaints_page(request: web.Request) -> web.Response:
    staff, csrf = await supervisor_or_refuse(request)
    facility = await facility_of(request, staff.facility_id)
    rows = await complaint_rows.complaints_of(request.app[ENGINE], staff.facility_id)
    for row in rows:
        row["created_local"] = local_time(row["created_at"], facility.timezone, with_date=True)
    return aiohttp_jinja2.render_template("complaints.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, rows=rows))


@operation("complaints", "Complaints filed at the supervisor's facility", reply=m.Complaints)
async def list_complaints(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISOR_ROLES)
    rows = await complaint_rows.complaints_of(request.app[ENGINE], staff.facility_id)
    return reply(m.Complaints, {"complaints": rows})


@operation("complaints", "Answer a complaint; the family reads it with its tracking number",
           body=m.AnswerBody, reply=m.Answered)
async def answer_complaint(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISOR_ROLES)
    answer = (await read_body(request, m.AnswerBody)).answer
    complaint_id = path_id(request, "complaint_id")
    await audit(request, "complaint.answer", f"complaint:{complaint_id}", staff=staff)
    if not await complaint_rows.answer_complaint(
            request.app[ENGINE], staff.facility_id, complaint_id, answer, staff.username,
            request.app[CLOCK]()):
        raise ApiError("complaint_unknown", 404)
    return reply(m.Answered, {"complaint_id": complaint_id, "state": "answered"})
