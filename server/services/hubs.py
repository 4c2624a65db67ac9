"""The facilities' hubs: made at start-up with today's tickets, and kept current each minute
(a new day's tickets join their queue, an earlier day's never-called ones become no-shows, and a
facility added while the server runs gets its hub)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import facility_rows, ticket_rows
from server.keys import BUS, CLOCK, CONFIG, ENGINE, FACILITIES, HUBS, METRICS, RELAY
from server.services import facilities, makeup
from server.services.facilities import schedule_of
from server.services.hub_records import SqlRecords
from server.services.notify import notify_turn_near
from server.timefmt import local_day
from signaling.commands import TicketInfo
from signaling.facility import FacilityState
from signaling.hub import FacilityHub
from signaling.lifecycle import Visit
from signaling.queue import QueuePolicy, TicketState
from signaling.schedule import queue_open_for

log = logging.getLogger(__name__)


async def hubs_ctx(app: web.Application) -> AsyncIterator[None]:
    app[HUBS] = {}
    app[FACILITIES] = {}
    tasks: list[asyncio.Task[None]] = []
    await _start_new_hubs(app, tasks, at_start=True)

    async def day_roll() -> None:
        hubs: dict[int, FacilityHub] = app[HUBS]
        while True:
            await asyncio.sleep(app[CONFIG].day_roll_seconds)
            try:
                await _start_new_hubs(app, tasks, at_start=False)
                # Settings changed by the command line or another node reach the hubs here.
                await facilities.refresh_all(app[ENGINE], app[FACILITIES], hubs)
                for facility_id in list(hubs):
                    await load_todays_tickets(app, facility_id)
            except Exception:  # the next round tries again
                log.exception("day roll failed")

    tasks.append(asyncio.create_task(day_roll()))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _start_new_hubs(app: web.Application, tasks: list[asyncio.Task[None]],
                          at_start: bool) -> None:
    """A hub, with its stations, today's tickets and its deadline ticks, for each facility
    that has none yet."""
    engine = app[ENGINE]
    config = app[CONFIG]
    hubs: dict[int, FacilityHub] = app[HUBS]
    records = TimedRecords(engine, config.data_dir, app)

    async def turn_near(ticket_id: int) -> None:
        await notify_turn_near(app, ticket_id)

    for facility in await facility_rows.facilities_all(engine):
        if facility.id in hubs:
            continue
        app[FACILITIES][facility.id] = facility
        policy = QueuePolicy(facility.default_call_seconds, facility.changeover_seconds,
                             facility.grace_seconds)
        state = FacilityState(facility.id, facility.name, policy,
                              schedule=schedule_of(facility), timezone=facility.timezone,
                              recording=facility.recording)
        if facility.call_override_day == local_day(app[CLOCK](), facility.timezone):
            state.call_override = facility.call_override_seconds
            state.override_day = facility.call_override_day
        hub = FacilityHub(state, app[BUS], app[RELAY], records, app[CLOCK],
                          recordings_dir=(config.data_dir / "recordings").resolve(),
                          on_turn_near=turn_near, turn=config.turn,
                          opus_fec=config.opus_fec)
        for station in await facility_rows.stations_for(engine, facility.id):
            hub.add_station(station["id"], station["name"])
        hubs[facility.id] = hub
        await load_todays_tickets(app, facility.id)
        tasks.append(asyncio.create_task(hub.run_ticks(config.tick_seconds)))
        if not at_start:  # an operator added it while the server ran
            log.info("facility %s ready", facility.code)


async def load_todays_tickets(app: web.Application, facility_id: int) -> int:
    """Put today's tickets the hub does not hold yet into its queue: at start-up all of them,
    later those approved earlier for a session that is today. Returns how many were added."""
    hub = app[HUBS][facility_id]
    async with hub.tickets_lock:
        added = await _load(app, facility_id, hub)
    if added:
        await hub.broadcast()
    return added


async def _load(app: web.Application, facility_id: int, hub: FacilityHub) -> int:
    facility = app[FACILITIES][facility_id]
    engine = app[ENGINE]
    day = local_day(app[CLOCK](), facility.timezone)
    states = {s.value for s in TicketState}
    if hub.state.call_override is not None and hub.state.override_day not in (None, day):
        await hub.set_call_override(None)  # an officer's length was for yesterday
    await hub.close_day(day)  # yesterday's tickets never called become no-shows
    todays = await ticket_rows.tickets_for_day(engine, facility_id, day)
    now = datetime.fromtimestamp(app[CLOCK](), ZoneInfo(facility.timezone))
    # A cancelled ticket (a decision that lost a race, a ban) never joins the queue; one for a
    # later session today joins when that session's queue opens.
    new = [t for t in todays if t.id not in hub.tickets and t.state in states
           and queue_open_for(hub.schedule, t.session_name, now)]
    if not new:
        return 0
    inmates = {i["id"]: i for i in await ticket_rows.inmates_for(engine, facility_id)}
    for ticket in new:
        state = TicketState(ticket.state)
        if state is TicketState.CALLED:
            # A restart ended any visit in progress; its row keeps what was known.
            state = TicketState.DONE
        hub.add_ticket(ticket_info(ticket, inmates[ticket.inmate_id]["full_name"]), state)
    return len(new)


class TimedRecords(SqlRecords):
    """The durable side, and for /metrics how long each called ticket waited in its queue."""

    def __init__(self, engine: AsyncEngine, data_dir: Path, app: web.Application) -> None:
        super().__init__(engine, data_dir, app[CLOCK])
        self._app = app

    async def visit_called(self, visit: Visit, facility_id: int, inmate_id: int,
                           officer_id: int) -> int:
        visit_id = await super().visit_called(visit, facility_id, inmate_id, officer_id)
        hub = self._app[HUBS].get(facility_id)
        facility = self._app[FACILITIES].get(facility_id)
        if hub is not None and facility is not None:
            joined = hub.state.queue.get(visit.ticket_id).joined_at
            if joined is not None:
                self._app[METRICS].ticket_wait.labels(facility.code).observe(
                    max(0.0, visit.called_at - joined))
        return visit_id


    async def grant_makeup(self, visit_id: int, seconds: int, reason: str, actor: str) -> None:
        ticket_id = await makeup.grant(self._app[ENGINE], visit_id=visit_id, seconds=seconds,
                                       reason=reason, by=actor, now=self._app[CLOCK]())
        if ticket_id is not None:
            await queue_makeup(self._app, ticket_id)


async def queue_makeup(app: web.Application, ticket_id: int) -> None:
    """A make-up ticket whose session's queue is open joins it now; a later one joins when its
    queue opens (the day roll)."""
    ticket = await ticket_rows.ticket_by_id(app[ENGINE], ticket_id)
    if ticket is not None and ticket.facility_id in app[HUBS]:
        await load_todays_tickets(app, ticket.facility_id)


def ticket_info(ticket: ticket_rows.Ticket, inmate_name: str) -> TicketInfo:
    return TicketInfo(ticket.id, ticket.number, ticket.visitor_name, ticket.relation,
                      ticket.inmate_id, inmate_name, ticket.day, ticket.session_name,
                      ticket.first_in_queue, ticket.makeup_seconds)
