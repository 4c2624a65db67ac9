"""The block officer's page (`/blok`): whom to bring from which block and cell to which station,
in call order, with the register's photo, and whom to take back; with `?pengeras=1` and a block
chosen it is also that block's loudspeaker, calling each inmate aloud as the officer calls him."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from server.db import ticket_rows
from server.http.auth import ESCORT_ROLES
from server.http.lookups import facility_of
from server.http.pages import context, staff_or_login
from server.i18n import request_lang, translate
from server.keys import ENGINE

BLOCK_SCRIPT_KEYS = (
    "step_called", "step_fetching", "step_arrived", "step_ended", "step_checked_out",
    "btn_fetching", "btn_arrived", "btn_returned", "no_photo", "to_station", "cell_of",
    "since_minutes", "nobody_to_bring", "nobody_to_return", "play_call", "speaker_on",
    "speaker_off", "speaker_listening", "reconnecting",
)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/blok", block_page)


async def block_page(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request, ESCORT_ROLES)
    facility = await facility_of(request, staff.facility_id)
    inmates = await ticket_rows.inmates_for(request.app[ENGINE], facility.id)
    blocks = sorted({i["block"] for i in inmates if i["block"] and i["status"] == "active"})
    chosen = request.query.get("blok", "")
    lang = request_lang(request)
    return aiohttp_jinja2.render_template("block.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, blocks=blocks,
        chosen=chosen if chosen in blocks else "",
        speaker=request.query.get("pengeras") == "1",
        strings={k: translate(k, lang) for k in BLOCK_SCRIPT_KEYS}))
