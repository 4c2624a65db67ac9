"""Small look-ups shared by the API, the pages and the sockets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from server import links
from server.db import facility_rows, ticket_rows
from server.db.facility_rows import Facility
from server.db.staff_rows import Staff
from server.db.ticket_rows import Ticket
from server.errors import ApiError
from server.http.forward import owner_elsewhere
from server.keys import CLOCK, CONFIG, ENGINE, FACILITIES, HUBS, LIMITS
from server.services import facilities, makeup
from server.timefmt import local_day
from signaling.hub import FacilityHub


def hub_for(request: web.Request, staff: Staff) -> FacilityHub:
    """The hub of the staff member's own facility; staff never reach another facility's."""
    return hub_for_facility(request, staff.facility_id)


def hub_for_facility(request: web.Request, facility_id: int) -> FacilityHub:
    hub = request.app[HUBS].get(facility_id)
    if hub is None:
        # Another node runs it (the request goes there), or it was added while the server
        # ran (its hub starts within a minute), or its node just died (another takes it).
        owner_elsewhere(request, facility_id)
    assert hub is not None
    return hub


def local_hub(request: web.Request, facility_id: int) -> FacilityHub:
    """The same, for sockets: they too are joined to the owner's when it is elsewhere."""
    return hub_for_facility(request, facility_id)


def site_link(request: web.Request, path: str) -> str:
    """An absolute link to `path` for someone to open later: on SAMBANG_PUBLIC_URL, or, when
    none is configured, on the host the asking browser reached."""
    return links.link(request.app[CONFIG], path, f"{request.scheme}://{request.host}")


async def todays_ticket(
    request: web.Request, token: str
) -> tuple[Ticket, Facility, FacilityHub] | None:
    """The ticket behind a family's link (its make-up, when it was given one), if it is valid
    today at its facility."""
    ticket = await family_ticket(request, token)
    if ticket is None:
        return None
    facility = request.app[FACILITIES].get(ticket.facility_id)
    if facility is not None and ticket.facility_id not in request.app[HUBS]:
        owner_elsewhere(request, ticket.facility_id)  # the page is made, or joined, there
    hub = request.app[HUBS].get(ticket.facility_id)
    if (
        facility is None or hub is None
        or ticket.day != local_day(request.app[CLOCK](), facility.timezone)
        or ticket.id not in hub.tickets
    ):
        return None
    return ticket, facility, hub


async def family_ticket(request: web.Request, token: str) -> Ticket | None:
    """The ticket a family's link stands for now, whatever its day and state."""
    ticket = await ticket_rows.ticket_by_token(request.app[ENGINE], token)
    return None if ticket is None else await makeup.current_ticket(request.app[ENGINE], ticket)


async def facility_of(request: web.Request, facility_id: int) -> Facility:
    """The facility, read again from the database when it was added after start-up."""
    return await facilities.known(request.app[ENGINE], request.app[FACILITIES], facility_id)


def rate_limit(request: web.Request, kind: str) -> None:
    """Refuse, with a clear message, a client that did `kind` too often without an account."""
    if request.app[LIMITS].windows[kind].full(request.remote or "-", request.app[CLOCK]()):
        raise ApiError("too_many", 429)


def count_towards_limit(request: web.Request, kind: str) -> None:
    request.app[LIMITS].windows[kind].hit(request.remote or "-", request.app[CLOCK]())


@contextmanager
def inmate_misses_counted(request: web.Request) -> Iterator[None]:
    """An inmate named wrongly counts towards the look-up limit, so the register cannot be
    listed by guessing numbers."""
    try:
        yield
    except ApiError as exc:
        if exc.code == "inmate_unknown":
            count_towards_limit(request, "lookup")
        raise


async def facility_from_path(request: web.Request) -> Facility | None:
    """The facility named by the `code` in a public URL, or None."""
    code = request.match_info["code"]
    known = len(code) <= 32 and code.isprintable()  # no facility code has NUL or newlines
    return await facility_rows.facility_by_code(request.app[ENGINE], code) if known else None
