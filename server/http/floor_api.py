"""The officers' floor in the JSON API: the block officer's steps ("dijemput", "tiba di bilik",
"kembali ke blok"), the identity check before a call and the check-out after it. Each step is
audited and written to the visit's timeline with the officer's name."""

from __future__ import annotations

from aiohttp import web

from server.db.staff_rows import Staff
from server.errors import ApiError
from server.http.auth import CONSOLE_ROLES, ESCORT_ROLES, require_staff
from server.http.lookups import hub_for
from server.http.models import floor as m
from server.http.models.common import Done
from server.http.models.operation import operation
from server.http.models.reading import path_id, read_body
from server.http.request_audit import audit
from server.keys import ANNOUNCER, CLOCK, STATION_PICTURES
from server.services.announcements import AnnouncementUnavailable, announcement_text
from signaling import commands as c
from signaling.escort import Escort
from signaling.lifecycle import VisitState
from signaling.views import escort_view


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/escort", escort_list)
    app.router.add_post("/api/visits/{visit_id:\\d+}/escort", escort_step)
    app.router.add_post("/api/visits/{visit_id:\\d+}/identity", check_identity)
    app.router.add_post("/api/visits/{visit_id:\\d+}/checkout", check_out)
    app.router.add_post("/api/visits/{visit_id:\\d+}/returned", returned)
    app.router.add_get("/api/visits/{visit_id:\\d+}/station-picture", station_picture)
    app.router.add_get("/api/visits/{visit_id:\\d+}/announcement", announcement)
    app.router.add_get("/api/visits/{visit_id:\\d+}/announcement.wav", announcement_audio)


def officer_name(staff: Staff) -> str:
    """How a step's officer reads in the timeline: the name, and the account to tell two
    officers of one name apart."""
    return f"{staff.full_name} ({staff.username})"


@operation("floor", "Whom the block officers bring to a station (in call order) and take "
           "back", reply=m.Escort)
async def escort_list(request: web.Request) -> web.Response:
    staff = await require_staff(request, ESCORT_ROLES)
    hub = hub_for(request, staff)
    return web.json_response(escort_view(hub.state, request.app[CLOCK]()).to_message())


@operation("floor", "The block officer's step for a called inmate: fetching (dijemput) or "
           "arrived (tiba di bilik)", body=m.EscortBody, reply=Done)
async def escort_step(request: web.Request) -> web.Response:
    staff = await require_staff(request, ESCORT_ROLES)
    step = Escort((await read_body(request, m.EscortBody)).step)
    visit_id = path_id(request, "visit_id")
    hub = hub_for(request, staff)
    hub.state.visit(visit_id)  # an unknown visit is a 404 before anything is audited
    await audit(request, "visit.escort", f"visit:{visit_id}", step.value, staff)
    await hub.floor_step(c.EscortStep(visit_id, step, officer_name(staff)))
    return web.json_response({"ok": True})


@operation("floor", "Before the call: the inmate at the station is the register's "
           "(confirmed true), or the call is stopped with a reason", body=m.IdentityBody,
           reply=Done)
async def check_identity(request: web.Request) -> web.Response:
    staff = await require_staff(request, CONSOLE_ROLES)
    body = await read_body(request, m.IdentityBody)
    visit_id = path_id(request, "visit_id")
    hub = hub_for(request, staff)
    hub.state.visit(visit_id)
    await audit(request, "visit.identity", f"visit:{visit_id}",
                "confirmed" if body.confirmed else "refused", staff)
    await hub.floor_step(c.CheckIdentity(visit_id, body.confirmed, body.reason,
                                         officer_name(staff)))
    return web.json_response({"ok": True})


@operation("floor", "After the call: the inmate is checked out of the visiting room",
           reply=Done)
async def check_out(request: web.Request) -> web.Response:
    staff = await require_staff(request, CONSOLE_ROLES)
    visit_id = path_id(request, "visit_id")
    # Audited once done, like the hub's other actions: a visit not on its way back is refused
    # (409) and leaves no entry behind.
    await hub_for(request, staff).floor_step(c.CheckOut(visit_id, officer_name(staff)))
    await audit(request, "visit.checkout", f"visit:{visit_id}", staff=staff)
    return web.json_response({"ok": True})


@operation("floor", "The block officer has taken the checked-out inmate back to the block "
           "(kembali ke blok)", reply=Done)
async def returned(request: web.Request) -> web.Response:
    staff = await require_staff(request, ESCORT_ROLES)
    visit_id = path_id(request, "visit_id")
    await hub_for(request, staff).floor_step(c.ReturnedToBlock(visit_id, officer_name(staff)))
    await audit(request, "visit.returned", f"visit:{visit_id}", staff=staff)
    return web.json_response({"ok": True})


@operation("floor", "The newest still of the station's camera while its inmate is called, for "
           "the identity check beside the register's photo (404 while there is none)",
           reply_type="image/jpeg")
async def station_picture(request: web.Request) -> web.Response:
    staff = await require_staff(request, CONSOLE_ROLES)
    info = hub_for(request, staff).state.visit(path_id(request, "visit_id"))
    if info.visit.state is not VisitState.CALLED:  # the check is over once the call runs
        raise ApiError("no_picture", 404)
    jpeg = request.app[STATION_PICTURES].newest(info.station.station_id, info.visit.visit_id,
                                                request.app[CLOCK]())
    if jpeg is None:
        raise ApiError("no_picture", 404)
    return web.Response(body=jpeg, content_type="image/jpeg",
                        headers={"Cache-Control": "no-store"})


async def _words(request: web.Request) -> str:
    """What the loudspeaker says for a called (or running) visit of the staff's facility."""
    staff = await require_staff(request, ESCORT_ROLES)
    info = hub_for(request, staff).state.visit(path_id(request, "visit_id"))
    return announcement_text(info.ticket.inmate_name, info.ticket.block, info.station.name)


@operation("floor", "The words that call the visit's inmate aloud, and where their audio is",
           reply=m.Announcement)
async def announcement(request: web.Request) -> web.Response:
    text = await _words(request)
    return web.json_response({"text": text, "audio": f"{request.path}.wav"})


@operation("floor", "The call spoken in Bahasa Indonesia (espeak-ng), a WAV made on the server "
           "and kept", reply_type="audio/wav")
async def announcement_audio(request: web.Request) -> web.StreamResponse:
    text = await _words(request)
    try:
        path = await request.app[ANNOUNCER].audio(text)
    except AnnouncementUnavailable:
        raise ApiError("announce_unavailable", 503) from None
    response = web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})
    response.content_type = "audio/wav"
    return response
