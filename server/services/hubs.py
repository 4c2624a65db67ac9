"""The facilities' hubs: made at start-up with today's tickets, and kept current each minute
(a new day's tickets join their queue, an earlier day's never-called ones become no-shows, and a
facility added while the server runs gets its hub)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import facility_rows, ticket_rows
from server.db.facility_rows import Facility
from server.keys import BUS, CLOCK, CONFIG, ENGINE, FACILITIES, HUBS, METRICS, NODE, RELAY
from server.services import facilities, makeup
from server.services.facilities import schedule_of
from server.services.hub_records import SqlRecords
from server.services.interrupted import close_interrupted
from server.services.leases import Lease, LeaseLost
from server.services.notify import notify_turn_near
from server.services.ownership import keep_leases
from server.timefmt import local_day
from signaling.bus.base import Subscription
from signaling.facility import FacilityState
from signaling.hub import FacilityHub
from signaling.lifecycle import Visit
from signaling.queue import QueuePolicy, TicketState
from signaling.records import TicketInfo
from signaling.schedule import queue_open_for

log = logging.getLogger(__name__)


async def hubs_ctx(app: web.Application) -> AsyncIterator[None]:
    app[HUBS] = {}
    app[FACILITIES] = {}
    running = RunningHubs()
    tasks: list[asyncio.Task[None]] = []
    await start_new_hubs(app, running, at_start=True)

    async def day_roll() -> None:
        hubs: dict[int, FacilityHub] = app[HUBS]
        while True:
            await asyncio.sleep(app[CONFIG].day_roll_seconds)
            try:
                await start_new_hubs(app, running, at_start=False)
                # Settings changed by the command line or another node reach the hubs here.
                await facilities.refresh_all(app[ENGINE], app[FACILITIES], hubs)
                for facility_id in list(hubs):
                    await load_todays_tickets(app, facility_id)
            except Exception:  # the next round tries again
                log.exception("day roll failed")

    tasks.append(asyncio.create_task(day_roll()))
    if app[NODE].leases is not None:
        tasks.append(asyncio.create_task(keep_leases(app, running, start_new_hubs)))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for facility_id in list(running.ticks):
        await running.stop(app, facility_id)
    await app[NODE].release_all()  # the others take its facilities at once, not at expiry


class RunningHubs:
    """The deadline ticks and bus subscriptions of the hubs this node runs, to stop one when
    its facility moves to another node."""

    def __init__(self) -> None:
        self.ticks: dict[int, asyncio.Task[None]] = {}
        self.subscriptions: dict[int, Subscription] = {}

    async def stop(self, app: web.Application, facility_id: int) -> None:
        app[HUBS].pop(facility_id, None)
        subscription = self.subscriptions.pop(facility_id, None)
        if subscription is not None:
            subscription.cancel()
        task = self.ticks.pop(facility_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def start_new_hubs(app: web.Application, running: RunningHubs, at_start: bool) -> None:
    """A hub, with its stations, today's tickets and its deadline ticks, for each facility
    that has none yet (with several nodes: each facility whose lease this node takes)."""
    everyone = await facility_rows.facilities_all(app[ENGINE])
    node = app[NODE]
    held_elsewhere: dict[int, str] = {}
    if node.leases is not None:
        held_elsewhere = await node.leases.holders([f.id for f in everyone])
    for facility in everyone:
        if facility.id not in app[HUBS]:
            # A running hub's row is left to facilities.refresh_all, which compares it with the
            # database's to hand the hub what changed.
            app[FACILITIES][facility.id] = facility
        if facility.id in app[HUBS] or facility.id in held_elsewhere:
            node.free_since.pop(facility.id, None)
            continue
        if node.leases is not None and not at_start and not node.free_long_enough(facility.id):
            continue  # its holder, if alive (Redis restarted empty), takes it again first
        lease = None
        if node.leases is not None:
            lease = await node.leases.acquire(facility.id)
            if lease is None:
                continue  # another node was quicker
            node.held[facility.id] = lease
            node.renewed_at[facility.id] = time.monotonic()
            log.info("facility %s runs on this node (lease token %d)", facility.code,
                     lease.token)
        await start_hub(app, running, facility, lease)
        if not at_start:  # an operator added it while the server ran, or its node died
            log.info("facility %s ready", facility.code)


async def start_hub(app: web.Application, running: RunningHubs, facility: Facility,
                    lease: Lease | None) -> None:
    """The facility's day rebuilt from the database: stations, today's tickets in order."""
    engine = app[ENGINE]
    config = app[CONFIG]
    hubs: dict[int, FacilityHub] = app[HUBS]
    records: TimedRecords = (TimedRecords(engine, config.data_dir, app) if lease is None
                             else LeaseRecords(engine, config.data_dir, app, facility.id))

    async def turn_near(ticket_id: int) -> None:
        await notify_turn_near(app, ticket_id)

    policy = QueuePolicy(facility.default_call_seconds, facility.changeover_seconds,
                         facility.grace_seconds)
    state = FacilityState(facility.id, facility.name, policy,
                          schedule=schedule_of(facility), timezone=facility.timezone,
                          recording=facility.recording)
    state.reconnect_grace = facility.reconnect_grace
    state.identity_check = facility.identity_check
    state.turn = config.turn
    if facility.call_override_day == local_day(app[CLOCK](), facility.timezone):
        state.call_override = facility.call_override_seconds
        state.override_day = facility.call_override_day
    hub = FacilityHub(state, app[BUS], app[RELAY], records, app[CLOCK],
                      recordings_dir=(config.data_dir / "recordings").resolve(),
                      on_turn_near=turn_near)
    for station in await facility_rows.stations_for(engine, facility.id):
        hub.add_station(station["id"], station["name"])
    hubs[facility.id] = hub
    # This node now runs the facility's day: a visit still open was left by a stop (its media
    # went with the node that carried it).
    await close_interrupted(engine, facility.id, app[CLOCK]())
    await load_todays_tickets(app, facility.id)
    running.ticks[facility.id] = asyncio.create_task(hub.run_ticks(config.tick_seconds))

    async def from_other_nodes(msg: dict[str, Any]) -> None:
        # Another node approved a ticket for today: it joins this hub's queue now.
        if msg.get("op") == "load_tickets" and facility.id in app[HUBS]:
            await load_todays_tickets(app, facility.id)

    running.subscriptions[facility.id] = app[BUS].subscribe(hub_topic(facility.id),
                                                            from_other_nodes)


def hub_runs(app: web.Application, facility_id: int) -> bool:
    """Whether the facility's hub runs here or on another node (one added while the servers
    ran gets its hub within a minute)."""
    node = app.get(NODE)
    return facility_id in app[HUBS] or (node is not None and facility_id in node.owner_addresses)


async def tickets_changed(app: web.Application, facility_id: int) -> None:
    """Today's tickets of the facility changed in the database: its hub loads them, here or on
    the node that runs it."""
    if facility_id in app[HUBS]:
        await load_todays_tickets(app, facility_id)
    else:
        await app[BUS].publish(hub_topic(facility_id), {"op": "load_tickets"})


def hub_topic(facility_id: int) -> str:
    return f"hub:{facility_id}"


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
        hub.add_ticket(ticket_info(ticket, inmates[ticket.inmate_id]), state)
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


def ticket_info(ticket: ticket_rows.Ticket, inmate: dict[str, Any]) -> TicketInfo:
    """What the hub keeps of a ticket, with where its inmate is found (block and cell)."""
    return TicketInfo(ticket.id, ticket.number, ticket.visitor_name, ticket.relation,
                      ticket.inmate_id, inmate["full_name"], ticket.day, ticket.session_name,
                      ticket.first_in_queue, ticket.makeup_seconds,
                      reg_number=inmate["reg_number"], block=inmate["block"] or "",
                      cell=inmate["cell"] or "")


class LeaseRecords(TimedRecords):
    """With several nodes: every durable write of the hub first checks that this node still
    holds the facility's lease, token included (server/services/leases.py)."""

    def __init__(self, engine: AsyncEngine, data_dir: Path, app: web.Application,
                 facility_id: int) -> None:
        super().__init__(engine, data_dir, app)
        self._facility_id = facility_id

    async def _fence(self) -> None:
        node = self._app[NODE]
        lease = node.held.get(self._facility_id)  # the current one: Redis may have restarted
        if lease is None:
            raise LeaseLost(f"facility {self._facility_id}")
        await node.check_lease(lease)

    async def visit_called(self, visit: Visit, facility_id: int, inmate_id: int,
                           officer_id: int) -> int:
        await self._fence()
        return await super().visit_called(visit, facility_id, inmate_id, officer_id)

    async def visit_started(self, visit: Visit) -> None:
        await self._fence()
        await super().visit_started(visit)

    async def visit_finished(self, visit: Visit) -> None:
        await self._fence()
        await super().visit_finished(visit)

    async def ticket_state(self, ticket_id: int, state: TicketState) -> None:
        await self._fence()
        await super().ticket_state(ticket_id, state)
