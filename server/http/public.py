"""A facility's public page and its printable poster (the seeds' facilities put QR codes on the
wall): opening hours, today's sessions, who visits when, the rules, how to complain. Nothing here
lists or searches the inmate register."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import segno
from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

from server.db.facility_rows import Facility
from server.errors import ApiError
from server.http.lookups import facility_from_path, site_link
from server.http.models.family import PublicSchedule
from server.http.models.operation import operation
from server.http.pages import context, error_page
from server.i18n import request_lang, translate
from server.keys import CLOCK
from server.services.facilities import schedule_of
from server.timefmt import zone_label
from signaling.schedule import WEEKDAYS, Schedule, sessions_on

POSTER_SIZE = (1240, 1754)  # A4 at 150 dpi

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/f/{code}", facility_page)
    app.router.add_get("/f/{code}/poster.png", poster_png)
    app.router.add_get("/f/{code}/poster.pdf", poster_pdf)
    app.router.add_get("/api/facilities/{code}/schedule", schedule_json)


def page_url(request: web.Request, facility: Facility) -> str:
    return site_link(request, f"/f/{facility.code}")


def week_table(schedule: Schedule) -> list[dict[str, Any]]:
    rows = []
    for index, day in enumerate(WEEKDAYS):
        sessions = [s for s in schedule.sessions if index in s.weekdays]
        rows.append({"day": day, "sessions": [
            {"name": s.name, "hours": f"{s.start:%H:%M}–{s.end:%H:%M}",
             "groups": sorted(s.groups),
             "registration": (f"{s.registration_start:%H:%M}–{s.registration_end:%H:%M}"
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
        today = [{"name": s.name, "hours": f"{s.start:%H:%M}–{s.end:%H:%M}",
                  "groups": sorted(s.groups)} for s in sessions_on(schedule, now.date())]
    qr = segno.make(page_url(request, facility), error="m")
    return aiohttp_jinja2.render_template("facility.html", request, context(
        request, facility=facility, schedule=schedule, today=today, now=now,
        zone=zone_label(facility.timezone),
        week=week_table(schedule) if schedule else [],
        qr_svg=qr.svg_inline(scale=4, dark="#1d2521"), url=page_url(request, facility)))


def _poster(request: web.Request, facility: Facility) -> Image.Image:
    lang = request_lang(request)
    width, height = POSTER_SIZE
    image = Image.new("RGB", POSTER_SIZE, "white")
    draw = ImageDraw.Draw(image)
    title = ImageFont.load_default(size=64)
    body = ImageFont.load_default(size=36)
    small = ImageFont.load_default(size=30)
    draw.rectangle((0, 0, width, 220), fill="#1f5f4a")
    draw.text((80, 60), translate("poster_title", lang), font=title, fill="white")
    draw.text((80, 250), facility.name, font=body, fill="#1d2521")
    draw.text((80, 300), facility.address, font=small, fill="#56625c")
    url = page_url(request, facility)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=22, border=2)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    side = min(900, qr.width)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    image.paste(qr, ((width - side) // 2, 400))
    y = 400 + side + 40
    for line in (translate("poster_scan", lang), url, "", translate("poster_free", lang),
                 translate("poster_steps", lang)):
        draw.text((80, y), line, font=body if line != url else small, fill="#1d2521")
        y += 60
    return image


async def _poster_response(request: web.Request, kind: str) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        raise web.HTTPNotFound()
    out = io.BytesIO()
    _poster(request, facility).save(out, format=kind.upper(), resolution=150.0)
    content_type = "image/png" if kind == "png" else "application/pdf"
    return web.Response(body=out.getvalue(), content_type=content_type,
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
        return web.json_response({"facility": facility.name, "timezone": facility.timezone,
                                  "week": [], "rules": None})
    return web.json_response({
        "facility": facility.name, "timezone": facility.timezone, "week": week_table(schedule),
        "rules": {"default_call_minutes": schedule.default_call_minutes,
                  "min_call_minutes": schedule.min_call_minutes,
                  "max_call_minutes": schedule.max_call_minutes,
                  "visits_per_week": schedule.visits_per_week,
                  "holidays": sorted(d.isoformat() for d in schedule.holidays)},
    })
