"""Visit history for staff: search and filters, and one page per visit with its timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from server.db import facility_rows, visit_rows
from server.db import visitors as reg
from server.db.facility_rows import Facility
from server.db.visit_rows import VisitFilter
from server.errors import ApiError
from server.http.auth import require_staff
from server.http.lookups import facility_of
from server.http.models import records as m
from server.http.models.operation import operation, reply
from server.http.models.reading import path_id, read_query
from server.http.pages import context, error_page, staff_or_login
from server.i18n import request_lang, translate
from server.keys import ENGINE
from server.timefmt import day_start, local_time

OUTCOMES = ("completed", "ended_early", "cancelled", "connection_lost", "interrupted")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/records", records_page)
    app.router.add_get("/visits/{visit_id:\\d+}", visit_page)
    app.router.add_get("/api/visits", list_visits)
    app.router.add_get("/api/visits/{visit_id:\\d+}", get_visit)


def parse_filter(request: web.Request, tz: str) -> VisitFilter:
    """Read the filters a person typed; a malformed one is a clear error, not an empty list."""
    query = read_query(request, m.VisitQuery)
    return VisitFilter(
        since=day_start(query.since, tz) if query.since else None,
        until=day_start(query.until + timedelta(days=1), tz) if query.until else None,
        inmate=query.inmate,
        visitor=query.visitor,
        station_id=query.station,
        outcome=query.outcome or "",
    )


def _localise(rows: list[dict[str, Any]], facility: Facility) -> list[dict[str, Any]]:
    for row in rows:
        row["started_local"] = local_time(row["started_at"], facility.timezone, with_date=True,
                                         seconds=True)
        row["ended_local"] = local_time(row["ended_at"], facility.timezone, with_date=True,
                                         seconds=True)
    return rows


async def records_page(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request)
    facility = await facility_of(request, staff.facility_id)
    engine = request.app[ENGINE]
    error = ""
    try:
        where = parse_filter(request, facility.timezone)
    except ApiError as exc:
        error = exc.message(request_lang(request))
        where = VisitFilter()
    rows = _localise(await visit_rows.visit_records(engine, facility.id, 500, where), facility)
    return aiohttp_jinja2.render_template("records.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, rows=rows,
        stations=await facility_rows.stations_for(engine, facility.id), outcomes=OUTCOMES,
        query=request.query, error=error))


async def _timeline(engine: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    events = []
    request = await reg.request_of_ticket(engine, record["ticket_id"])
    if request is not None:  # asked for from a phone: the request and its check come first
        session = " ".join(filter(None, (request["day"], request["session_name"])))
        events.append({"at": request["created_at"], "kind": "requested",
                       "actor": record["visitor_name"], "detail": session})
        events.append({"at": request["decided_at"], "kind": "approved",
                       "actor": request["decided_by"] or "", "detail": ""})
    events.append({"at": record["ticket_created_at"], "kind": "registered",
                   "actor": record["visitor_name"], "detail": f"#{record['ticket_number']}"})
    events += await visit_rows.visit_events(engine, record["id"])
    return events


async def _record(request: web.Request, facility_id: int) -> dict[str, Any]:
    visit_id = path_id(request, "visit_id")
    rows = await visit_rows.visit_records(request.app[ENGINE], facility_id, 1,
                                     VisitFilter(), visit_id=visit_id)
    if not rows:  # another facility's visit answers exactly like a missing one
        raise ApiError("visit_unknown", 404)
    return rows[0]


async def visit_page(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request)
    facility = await facility_of(request, staff.facility_id)
    lang = request_lang(request)
    try:
        record = await _record(request, facility.id)
    except ApiError:
        return error_page(request, 404, translate("visit_unknown", lang), "")
    timeline = await _timeline(request.app[ENGINE], record)
    for event in timeline:
        event["local"] = local_time(event["at"], facility.timezone, with_date=True,
                                         seconds=True)
    return aiohttp_jinja2.render_template("visit.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility,
        r=_localise([record], facility)[0], timeline=timeline))


@operation("visits", "Visit records of the officer's facility, filtered", query=m.VisitQuery,
           reply=m.Visits)
async def list_visits(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    facility = await facility_of(request, staff.facility_id)
    where = parse_filter(request, facility.timezone)
    rows = await visit_rows.visit_records(request.app[ENGINE], staff.facility_id, 500, where)
    return reply(m.Visits, {"visits": rows})


@operation("visits", "One visit record with its timeline", reply=m.VisitRecord)
async def get_visit(request: web.Request) -> web.Response:
    staff = await require_staff(request)
    record = await _record(request, staff.facility_id)
    record["timeline"] = await _timeline(request.app[ENGINE], record)
    return reply(m.VisitRecord, record)
