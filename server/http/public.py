"""A facility's public page and its printable poster (the seeds' facilities put QR codes on the
wall): opening hours, today's sessions, who visits when, the rules, how to complain. Nothing here
lists or searches the inmate register."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import segno
from aiohttp import web

from server import links
from server.db.facility_rows import Facility
from server.errors import ApiError
from server.http.lookups import facility_from_path, site_link
from server.http.models.family import PublicSchedule
from server.http.models.operation import operation, reply
from server.http.pages import context, error_page
from server.i18n import request_lang, translate
from server.keys import CLOCK, POSTERS
from server.services.facilities import schedule_of
from server.services.posters import PosterFace
from server.timefmt import day_label, hhmm, zone_label
from signaling.schedule import WEEKDAYS, Schedule, sessions_on

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/f/{code}", facility_page)
    app.router.add_get("/f/{code}/poster.png", poster_png)
    app.router.add_get("/f/{code}/poster.pdf", poster_pdf)
    app.router.add_get("/api/facilities/{code}/schedule", schedule_json)


def page_url(request: web.Request, facility: Facility) -> str:
    return site_link(request, links.facility_page(facility.code))


def _api_clock(moment: time) -> str:
    return f"{moment:%H:%M}"  # the API's times stay ISO 8601, for programs


def week_table(schedule: Schedule,
               clock: Callable[[time], str] = _api_clock) -> list[dict[str, Any]]:
    """The week's sessions; `clock` writes a time of day (the pages' style is 08.30)."""
    rows = []
    for index, day in enumerate(WEEKDAYS):
        sessions = [s for s in schedule.sessions if index in s.weekdays]
        rows.append({"day": day, "sessions": [
            {"name": s.name, "hours": f"{clock(s.start)}–{clock(s.end)}",
             "groups": sorted(s.groups),
             "registration": (f"{clock(s.registration_start)}–{clock(s.registration_end)}"
                              if s.registration_start and s.registration_end else "")}
            for s in sessions]})
    return rows


async def facility_page(request: web.Request) -> web.Response:
    lang = request_lang(request)
    facility = await facility_from_path(request)
    if facility is None:
        return error_page(request, 404, translate("facility_unknown", lang), "")
    schedule = schedule_of(facility)
    now = datetime.fromtimestamp(request.app[CLOCK](), ZoneInfo(facility.timezone))
    today = []
    if schedule is not None:
        today = [{"name": s.name, "hours": f"{hhmm(s.start)}–{hhmm(s.end)}",
                  "groups": sorted(s.groups)} for s in sessions_on(schedule, now.date())]
    qr = segno.make(page_url(request, facility), error="m")
    return aiohttp_jinja2.render_template("facility.html", request, context(
        request, facility=facility, schedule=schedule, today=today,
        now_label=f"{day_label(now.date(), lang)} {hhmm(now)}",
        zone=zone_label(facility.timezone),
        week=week_table(schedule, hhmm) if schedule else [],
        qr_svg=qr.svg_inline(scale=4, dark="#1d2521"), url=page_url(request, facility)))


async def _poster_response(request: web.Request, kind: str) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        raise web.HTTPNotFound()
    lang = request_lang(request)
    face = PosterFace(
        title=translate("poster_title", lang), name=facility.name, address=facility.address,
        url=page_url(request, facility), scan=translate("poster_scan", lang),
        free=translate("poster_free", lang), steps=translate("poster_steps", lang),
        schedule=facility.schedule_toml or "")
    body = await request.app[POSTERS].poster(facility.id, lang, kind, face)
    content_type = "image/png" if kind == "png" else "application/pdf"
    return web.Response(body=body, content_type=content_type,
                        headers={"Cache-Control": "max-age=3600"})


async def poster_png(request: web.Request) -> web.Response:
    return await _poster_response(request, "png")


async def poster_pdf(request: web.Request) -> web.Response:
    return await _poster_response(request, "pdf")


@operation("schedule", "A facility's public schedule: sessions per weekday, who may visit, "
           "rules, holidays", reply=PublicSchedule, public=True)
async def schedule_json(request: web.Request) -> web.Response:
    """The public schedule of a facility, as its page shows it."""
    facility = await facility_from_path(request)
    if facility is None:
        raise ApiError("facility_unknown", 404)
    schedule = schedule_of(facility)
    if schedule is None:
        return reply(PublicSchedule, {"facility": facility.name, "timezone": facility.timezone,
                                  "week": [], "rules": None})
    return reply(PublicSchedule, {
        "facility": facility.name, "timezone": facility.timezone, "week": week_table(schedule),
        "rules": {"default_call_minutes": schedule.default_call_minutes,
                  "min_call_minutes": schedule.min_call_minutes,
                  "max_call_minutes": schedule.max_call_minutes,
                  "visits_per_week": schedule.visits_per_week,
                  "holidays": sorted(d.isoformat() for d in schedule.holidays)},
    })
