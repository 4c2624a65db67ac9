"""Small look-ups shared by the API, the pages and the sockets."""

from __future__ import annotations

from aiohttp import web

from server.keys import HUBS
from server.store import Staff
from signaling.hub import FacilityHub


def hub_for(request: web.Request, staff: Staff) -> FacilityHub:
    """The hub of the staff member's own facility; staff never reach another facility's."""
    return request.app[HUBS][staff.facility_id]


def ticket_link(request: web.Request, token: str) -> str:
    return f"{request.scheme}://{request.host}/t/{token}"
