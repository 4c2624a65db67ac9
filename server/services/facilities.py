"""A facility's settings: the one path by which they change, whoever changes them (the admin
page, the officer's call length, the command line), and how a running hub takes them on.

A change is written to the database first; the server process that made it applies it to the
facility's hub at once, and every server process re-reads the facilities at its day roll (each
minute), so a change made by the command line or by another node takes effect the same way,
within a minute, with no restart."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import facility_rows
from server.db import tables as db
from server.db.facility_rows import Facility
from signaling.hub import FacilityHub
from signaling.schedule import Schedule, ScheduleError, parse_schedule

log = logging.getLogger(__name__)

# What may be changed, and by no other path than change_settings.
SETTINGS = frozenset({
    "name", "address", "timezone", "complaint_contact", "ask_by_name", "notify_webhook",
    "notify_secret_sealed", "schedule_toml", "recording", "retention_days",
    "call_override_seconds", "call_override_day", "reconnect_grace", "identity_check",
})


def schedule_of(facility: Facility) -> Schedule | None:
    """The facility's schedule, or None when it has none (or one that no longer reads)."""
    if not facility.schedule_toml:
        return None
    try:
        return parse_schedule(tomllib.loads(facility.schedule_toml))
    except (ScheduleError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        # Saved by an older sambang that checked less: the facility runs as if unscheduled
        # until the admin saves it again, which says what is wrong.
        log.warning("facility %s: schedule ignored: %s", facility.code, exc)
        return None


async def change_settings(engine: AsyncEngine, facility_id: int,
                          values: Mapping[str, Any]) -> Facility:
    """Write checked values; returns the facility as now stored."""
    async with engine.begin() as conn:
        await write_settings(conn, facility_id, values)
    return await read(engine, facility_id)


async def write_settings(conn: AsyncConnection, facility_id: int,
                         values: Mapping[str, Any]) -> None:
    """Write checked values inside the caller's transaction (with the change's audit event)."""
    unknown = set(values) - SETTINGS
    if unknown:
        raise ValueError(f"not a facility setting: {', '.join(sorted(unknown))}")
    if values:
        await conn.execute(update(db.facilities).where(db.facilities.c.id == facility_id)
                           .values(**values))


async def read(engine: AsyncEngine, facility_id: int) -> Facility:
    found = await facility_rows.facility_by_id(engine, facility_id)
    if found is None:
        raise LookupError(f"facility {facility_id} does not exist")
    return found


async def known(engine: AsyncEngine, facilities: dict[int, Facility],
                facility_id: int) -> Facility:
    """A facility from this process's set, read from the database when another process added
    it after start-up."""
    if facility_id not in facilities:
        for facility in await facility_rows.facilities_all(engine):
            facilities.setdefault(facility.id, facility)
    return facilities[facility_id]


async def refresh(engine: AsyncEngine, facilities: dict[int, Facility],
                  hubs: dict[int, FacilityHub], facility_id: int) -> Facility:
    """Read one facility again and hand what changed to its running hub."""
    facility = await read(engine, facility_id)
    await take_on(facilities, hubs, facility)
    return facility


async def refresh_all(engine: AsyncEngine, facilities: dict[int, Facility],
                      hubs: dict[int, FacilityHub]) -> None:
    """The day roll's part: settings changed elsewhere (command line, another node) reach this
    process's hubs."""
    for facility in await facility_rows.facilities_all(engine):
        if facility.id in hubs and facilities.get(facility.id) != facility:
            await take_on(facilities, hubs, facility)


async def take_on(facilities: dict[int, Facility], hubs: dict[int, FacilityHub],
                  facility: Facility) -> None:
    before = facilities.get(facility.id)
    facilities[facility.id] = facility
    hub = hubs.get(facility.id)
    if hub is None or before == facility:
        return
    hub.facility_name = facility.name
    hub.set_timezone(facility.timezone)
    hub.recording = facility.recording
    hub.reconnect_grace = facility.reconnect_grace
    hub.state.identity_check = facility.identity_check
    if before is None or before.schedule_toml != facility.schedule_toml:
        hub.schedule = schedule_of(facility)
    if before is None or (before.call_override_seconds, before.call_override_day) != (
            facility.call_override_seconds, facility.call_override_day):
        await hub.set_call_override(facility.call_override_seconds, facility.call_override_day)
    await hub.broadcast()  # names, zone, fair share and call length may all have moved
