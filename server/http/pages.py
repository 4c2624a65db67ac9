"""Server-rendered pages: login, officer console, records, the family queue room, the station."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from server.db import facility_rows, staff_rows, ticket_rows
from server.errors import ApiError
from server.http import csrf
from server.http.auth import (
    CONSOLE_ROLES,
    SUPERVISOR_ROLES,
    check_login,
    current_staff,
    end_session,
    start_session,
)
from server.http.lookups import facility_of, family_ticket, todays_ticket
from server.i18n import RELATIONS, request_lang, script_strings, translate
from server.keys import CLOCK, ENGINE
from server.services.facilities import schedule_of
from server.timefmt import clock_time, day_label, local_day, session_label, zone_label
from signaling.schedule import queue_opens_at


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)
    app.router.add_get("/console", console)
    app.router.add_get("/wall", wall)
    app.router.add_get("/t/{token}", queue_room)
    app.router.add_get("/s/{token}", station_page)


def context(request: web.Request, **values: Any) -> dict[str, Any]:
    lang = request_lang(request)

    def t(key: str, **fmt: object) -> str:
        return translate(key, lang, **fmt)

    other = "en" if lang == "id" else "id"
    return {"lang": lang, "t": t, "other_lang": other, "path": request.path, **values}


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def error_page(request: web.Request, status: int, title: str, text: str) -> web.Response:
    response = aiohttp_jinja2.render_template(
        "error.html", request, context(request, title=title, text=text)
    )
    response.set_status(status)
    return response


def render_form(request: web.Request, template: str, status: int = 200,
                **values: Any) -> web.Response:
    """A page with a form for someone without a session, carrying a fresh form token."""
    token = secrets.token_urlsafe(18)
    response = aiohttp_jinja2.render_template(
        template, request, context(request, csrf_token=token, **values))
    response.set_status(status)
    csrf.set_form_cookie(response, token)
    return response


async def index(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("index.html", request, context(request))


async def login_form(
    request: web.Request, error: str = "", status: int = 200, username: str = ""
) -> web.Response:
    # Not logged in yet: the double-submit token, so another site cannot log you in.
    return render_form(request, "login.html", status, error=error, username=username)


async def login_submit(request: web.Request) -> web.StreamResponse:
    lang = request_lang(request)
    form = await request.post()
    username = str(form.get("username", ""))[:64]
    if not csrf.form_token_ok(request, str(form.get("csrf_token", ""))):
        return await login_form(request, translate("csrf", lang), 403, username)
    try:
        staff = await check_login(request, username, str(form.get("password", ""))[:256])
    except ApiError as exc:  # too many failures: the form again, saying how long to wait
        return await login_form(request, translate(exc.code, lang, **exc.values), exc.status,
                                username)
    if staff is None:
        return await login_form(request, translate("bad_login", lang), 401, username)
    home = {"registration": "/verify", "admin": "/admin"}.get(staff.role, "/console")
    response = redirect(home)
    await start_session(request, response, staff)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    found = await current_staff(request)
    form = await request.post()
    if found is not None and csrf.matches(str(form.get("csrf_token", "")), found[1]):
        response = redirect("/login")
        await end_session(request, response)
        return response
    raise web.HTTPSeeOther("/login")


async def staff_or_login(request: web.Request,
                         roles: frozenset[str] = CONSOLE_ROLES) -> tuple[staff_rows.Staff, str]:
    found = await current_staff(request)
    if found is None or found[0].role not in roles:
        raise web.HTTPSeeOther("/login")
    return found


async def console(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request)
    facility = await facility_of(request, staff.facility_id)
    lang = request_lang(request)
    inmates = [i for i in await ticket_rows.inmates_for(request.app[ENGINE], facility.id)
               if i["status"] == "active"]  # released or moved inmates are not visited
    return aiohttp_jinja2.render_template("console.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, inmates=inmates,
        relations=RELATIONS, zone=zone_label(facility.timezone),
        today=day_label(date.fromisoformat(local_day(request.app[CLOCK](), facility.timezone)),
                        lang),
        strings=script_strings(lang),
    ))


async def supervisor_or_refuse(request: web.Request) -> tuple[staff_rows.Staff, str]:
    """A supervisor's (or admin's) page: others get a clear refusal page."""
    staff, csrf = await staff_or_login(request)
    if staff.role not in SUPERVISOR_ROLES:
        raise ApiError("forbidden", 403)
    return staff, csrf


async def wall(request: web.Request) -> web.Response:
    staff, csrf = await supervisor_or_refuse(request)
    facility = await facility_of(request, staff.facility_id)
    return aiohttp_jinja2.render_template("wall.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility,
        zone=zone_label(facility.timezone), strings=script_strings(request_lang(request))))


async def queue_room(request: web.Request) -> web.Response:
    lang = request_lang(request)
    found = await todays_ticket(request, request.match_info["token"])
    if found is None:
        upcoming = await _upcoming_visit(request, request.match_info["token"], lang)
        if upcoming is not None:
            return upcoming
        return error_page(request, 404, translate("bad_ticket_title", lang),
                          translate("bad_ticket", lang))
    ticket, facility, hub = found
    # The first paint already says where the family stands (called, in a call, done), as the
    # socket will a moment later: a finished ticket never flashes "waiting".
    visit = next((v for v in hub.state.visits.values() if v.ticket.ticket_id == ticket.id), None)
    view = hub.family_view(ticket.id)
    page_state = visit.visit.state.value if visit else view["state"]
    return aiohttp_jinja2.render_template("queue_room.html", request, context(
        request, facility=facility, ticket=ticket, view=view, page_state=page_state,
        station_name=visit.station.name if visit else "",
        notice=_owed_notice(ticket, lang) if page_state == "waiting" else "",
        token=request.match_info["token"],
        strings=script_strings(lang),
    ))


def _owed_notice(ticket: ticket_rows.Ticket, lang: str) -> str:
    """Why a ticket is first in its queue, for a family that reloads or comes back."""
    if ticket.makeup_visit_id is not None:
        minutes = round((ticket.makeup_seconds or 0) / 60)
        return " ".join((translate(f"makeup_why_{ticket.makeup_reason}", lang),
                         translate("makeup_here", lang, minutes=minutes)))
    return translate("back_in_queue_reload", lang) if ticket.first_in_queue else ""


async def _upcoming_visit(request: web.Request, token: str, lang: str) -> web.Response | None:
    """For a ticket of a later day or session (a make-up, too): when to come back; for one
    refused or cancelled: that, and why. In the family's words."""
    ticket = await family_ticket(request, token)
    if ticket is None:
        return None
    facility = await facility_of(request, ticket.facility_id)
    today = local_day(request.app[CLOCK](), facility.timezone)
    if ticket.day >= today and ticket.state == "cancelled":
        # The link opens no queue room any more (404), and says why in the family's words.
        if ticket.makeup_refusal:
            return error_page(request, 404, translate("makeup_refused_title", lang),
                              translate("makeup_refused", lang, reason=ticket.makeup_refusal))
        return error_page(request, 404, translate("ticket_cancelled_title", lang),
                          translate("state_cancelled", lang))
    if ticket.day < today or ticket.state != "waiting":
        return None
    when = session_label({"day": ticket.day, "session_name": ticket.session_name}, lang)
    minutes = round((ticket.makeup_seconds or 0) / 60)
    makeup = ticket.makeup_visit_id is not None
    title = translate("makeup_title" if makeup else "upcoming_title", lang)
    why = translate(f"makeup_why_{ticket.makeup_reason}", lang) + " " if makeup else ""
    if ticket.day == today:
        # Today, for a later session: its queue room opens half an hour before it starts.
        at = queue_opens_at(schedule_of(facility), ticket.session_name,
                            date.fromisoformat(ticket.day))
        opens = clock_time(at, facility.timezone) if at else "—"
        if makeup:
            return error_page(request, 200, title, why + translate(
                "makeup_later_today", lang, minutes=minutes, when=when, number=ticket.number,
                opens=opens))
        return error_page(request, 200, title, translate(
            "upcoming_today", lang, when=when, number=ticket.number, opens=opens))
    if makeup:
        return error_page(request, 200, title, why + translate(
            "makeup_later", lang, minutes=minutes, when=when, number=ticket.number))
    return error_page(request, 200, title, translate("upcoming_text", lang, day=when,
                                                     number=ticket.number))


async def station_page(request: web.Request) -> web.Response:
    lang = request_lang(request)
    station = await facility_rows.station_by_token(request.app[ENGINE], request.match_info["token"])
    if station is None:
        return error_page(request, 404, translate("bad_station_title", lang),
                          translate("bad_station", lang))
    facility = await facility_of(request, station["facility_id"])
    return aiohttp_jinja2.render_template("station.html", request, context(
        request, facility=facility, station=station, strings=script_strings(lang),
        token=request.match_info["token"]))
