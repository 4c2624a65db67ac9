"""The admin's side: the facility's settings, its schedule, stations, staff accounts and inmate
register. Everything here is for the `admin` role of the admin's own facility, audited, and
applied to the running hub at once (no restart)."""

from __future__ import annotations

import tomllib
from dataclasses import asdict
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server import links
from server.db import facility_rows, notification_rows, staff_rows, ticket_rows
from server.db.facility_rows import Facility
from server.errors import ApiError, InvalidField
from server.http.auth import ROLES, new_password_hash, require_staff
from server.http.cluster import cluster_view
from server.http.lookups import hub_for, site_link
from server.http.models import admin as m
from server.http.models.operation import operation, reply
from server.http.models.reading import path_id, read_body
from server.http.pages import context, staff_or_login
from server.http.request_audit import audit, audit_with
from server.http.staff_sockets import tell_revoked
from server.i18n import request_lang, translate
from server.keys import ENGINE, FACILITIES, HUBS, SECRET
from server.secret import seal
from server.services import facilities
from server.services.facilities import schedule_of
from server.services.inmate_register import apply_register, inmate_groups, parse_register
from server.timefmt import ZONE_LABELS, local_time
from signaling.schedule import ScheduleError, coverage, parse_schedule

ADMINS = frozenset({"admin"})
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
MAX_CSV_BYTES = 5 * 1024 * 1024


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin", admin_page)
    app.router.add_get("/api/admin/facility", facility_settings)
    app.router.add_post("/api/admin/facility", change_facility)
    app.router.add_post("/api/admin/schedule", change_schedule)
    app.router.add_get("/api/admin/stations", stations)
    app.router.add_post("/api/admin/stations", add_station)
    app.router.add_post("/api/admin/stations/{station_id:\\d+}/link", station_link)
    app.router.add_get("/api/admin/staff", staff_list)
    app.router.add_post("/api/admin/staff", add_staff)
    app.router.add_post("/api/admin/staff/{staff_id:\\d+}", change_staff)
    app.router.add_post("/api/admin/inmates", import_inmates)
    app.router.add_get("/api/admin/notifications", notifications)
    app.router.add_get("/api/admin/coverage", coverage_json)


async def reload_facility(app: web.Application, facility_id: int) -> Facility:
    """Read the facility again and hand any change to its hub."""
    return await facilities.refresh(app[ENGINE], app[FACILITIES], app[HUBS], facility_id)


def settings_view(facility: Facility) -> dict[str, Any]:
    values = asdict(facility)
    # The webhook secret is write-only: the page only learns whether one is set.
    values["notify_secret"] = bool(values.pop("notify_secret_sealed"))
    values["zone"] = ZONE_LABELS.get(facility.timezone, facility.timezone)
    return values


@operation("admin", "The admin's facility settings (the webhook secret only as whether one "
           "is set)", reply=m.FacilitySettings)
async def facility_settings(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    facility = await reload_facility(request.app, staff.facility_id)
    return reply(m.FacilitySettings, settings_view(facility))


@operation("admin", "Change facility settings: what is given changes, what is left out stays",
           body=m.FacilityChange, reply=m.FacilitySettings)
async def change_facility(request: web.Request) -> web.Response:
    """Change what is given: name, address, timezone, complaint_contact, ask_by_name,
    notify_webhook, notify_secret ("" clears it)."""
    staff = await require_staff(request, ADMINS)
    body = await read_body(request, m.FacilityChange)
    values: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"notify_secret"})
    if body.notify_secret is not None:
        values["notify_secret_sealed"] = seal(request.app[SECRET], body.notify_secret)
    if not values:
        raise ApiError("bad_json", 422)
    # The names of what changed, never the values: a webhook secret must not reach the log.
    changed = sorted(name.removesuffix("_sealed") for name in values)
    await audit_with(request, lambda conn: facilities.write_settings(
        conn, staff.facility_id, values), "facility.change", f"facility:{staff.facility_id}",
        ",".join(changed), staff)
    facility = await reload_facility(request.app, staff.facility_id)
    return reply(m.FacilitySettings, settings_view(facility))


@operation("schedule", "Replace the facility's schedule (TOML as in examples/facilities/); 422 "
           "with the reason when it does not read, and the old one stays",
           body=m.ScheduleBody, reply=m.ScheduleReply)
async def change_schedule(request: web.Request) -> web.Response:
    """Replace the schedule with a TOML text (the format of examples/facilities/); a schedule
    that does not read is refused with the reason and the old one stays."""
    staff = await require_staff(request, ADMINS)
    text = (await read_body(request, m.ScheduleBody)).toml
    lang = request_lang(request)
    try:
        schedule = parse_schedule(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:  # where the TOML breaks, as tomllib says it
        raise ApiError("schedule_invalid", 422, reason=str(exc)) from None
    except ScheduleError as exc:
        reason = translate(f"schedule_{exc.code}", lang, **exc.values)
        raise ApiError("schedule_invalid", 422, reason=reason) from None
    await audit_with(request, lambda conn: facilities.write_settings(
        conn, staff.facility_id, {"schedule_toml": text}), "schedule.change",
        f"facility:{staff.facility_id}", staff=staff)
    await reload_facility(request.app, staff.facility_id)  # the fair share may change with it
    return reply(m.ScheduleReply, {"sessions": len(schedule.sessions),
                              "visits_per_week": schedule.visits_per_week})


@operation("admin", "The facility's stations", reply=m.Stations)
async def stations(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    rows = await facility_rows.stations_for(request.app[ENGINE], staff.facility_id)
    return reply(m.Stations, {"stations": [{"id": r["id"], "name": r["name"]} for r in rows]})


@operation("admin", "Add a station; returns its kiosk link (once)", body=m.StationBody,
           reply=m.StationAdded, status=201)
async def add_station(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    name = (await read_body(request, m.StationBody)).name
    hub = hub_for(request, staff)  # first: the request may go to the facility's node
    existing = await facility_rows.stations_for(request.app[ENGINE], staff.facility_id)
    if name.casefold() in {r["name"].casefold() for r in existing}:
        raise ApiError("station_exists", 409)  # officers tell stations apart by name

    async def add(conn: AsyncConnection) -> tuple[int, str]:
        station_id = await facility_rows.create_station(conn, staff.facility_id, name)
        return station_id, await facility_rows.rotate_station_token(conn, station_id)

    station_id, token = await audit_with(request, add, "station.add", f"station:{name}",
                                         staff=staff)
    hub.add_station(station_id, name)
    await hub.broadcast()
    return reply(m.StationAdded, {"id": station_id, "name": name,
                              "kiosk_link": _kiosk_link(request, token)}, status=201)


def _kiosk_link(request: web.Request, token: str) -> str:
    return site_link(request, links.station(token))


@operation("admin", "A new kiosk link for a station; the old one stops working",
           reply=m.KioskLink)
async def station_link(request: web.Request) -> web.Response:
    """A new kiosk link for a station; the old one stops working at once."""
    staff = await require_staff(request, ADMINS)
    station_id = path_id(request, "station_id")
    rows = await facility_rows.stations_for(request.app[ENGINE], staff.facility_id)
    if station_id not in {r["id"] for r in rows}:
        raise ApiError("not_found", 404)
    token = await audit_with(request, lambda conn: facility_rows.rotate_station_token(
        conn, station_id), "station.link", f"station:{station_id}", staff=staff)
    return reply(m.KioskLink, {"id": station_id, "kiosk_link": _kiosk_link(request, token)})


@operation("admin", "Staff accounts of the facility", reply=m.StaffList)
async def staff_list(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    accounts = await staff_rows.staff_of(request.app[ENGINE], staff.facility_id)
    return reply(m.StaffList, {"staff": [asdict(a) for a in accounts]})


@operation("admin", "Add a staff account with a role", body=m.StaffBody, reply=m.StaffAdded,
           status=201)
async def add_staff(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    body = await read_body(request, m.StaffBody)
    username, full_name, role = body.username, body.full_name, body.role
    password_hash = await new_password_hash(body.password)
    if await staff_rows.staff_credentials(request.app[ENGINE], username) is not None:
        raise ApiError("username_taken", 409)
    staff_id = await audit_with(request, lambda conn: staff_rows.create_staff(
        conn, facility_id=staff.facility_id, username=username, full_name=full_name,
        role=role, active=True, password_hash=password_hash),
        "staff.add", f"staff:{username}", role, staff)
    return reply(m.StaffAdded, {"id": staff_id, "username": username, "role": role},
                             status=201)


@operation("admin", "Change an account's role, turn it off or on (off ends its sessions), or "
           "set a password", body=m.StaffChange, reply=m.StaffChanged)
async def change_staff(request: web.Request) -> web.Response:
    """Change an account's role, turn it off or on (off ends its sessions), or set a new
    password."""
    staff = await require_staff(request, ADMINS)
    staff_id = path_id(request, "staff_id")
    accounts = {a.id: a for a in await staff_rows.staff_of(request.app[ENGINE], staff.facility_id)}
    if staff_id not in accounts:
        raise ApiError("not_found", 404)
    body = await read_body(request, m.StaffChange)
    values: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"password"})
    if body.password is not None:
        values["password_hash"] = await new_password_hash(body.password)
    if not values:
        raise ApiError("bad_json", 422)
    if staff_id == staff.id and (values.get("active") is False or "role" in values):
        # An admin cannot lock themselves out; another admin does it.
        raise ApiError("not_yourself", 409)
    changed = ",".join(sorted("password" if k == "password_hash" else k for k in values))
    await audit_with(request, lambda conn: staff_rows.update_staff(conn, staff_id, **values),
                     "staff.change", f"staff:{accounts[staff_id].username}", changed, staff)
    await tell_revoked(request.app, staff_id)
    return reply(m.StaffChanged, {"id": staff_id, "changed": changed.split(",")})


@operation("admin", "Import the inmate register (CSV: reg_number, full_name, block, optional "
           "cell, categories, status); 422 with every rejected line and nothing changed",
           body_type="text/csv", reply=m.RegisterImport)
async def import_inmates(request: web.Request) -> web.Response:
    """The inmate register as CSV (the request body, text/csv): rows added or updated, inmates
    absent from the file no longer visitable, and each rejected row with its reason. A file with
    a rejected row changes nothing."""
    staff = await require_staff(request, ADMINS)
    if request.content_length is not None and request.content_length > MAX_CSV_BYTES:
        raise ApiError("upload_too_large", 413)
    raw = await request.content.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise ApiError("upload_too_large", 413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidField("csv", "text") from None
    rows, rejected = parse_register(text)
    lang = request_lang(request)
    report = {"rejected": [{"line": r.line, "reason": r.message(lang)} for r in rejected]}
    if rejected or not rows:
        return reply(m.RegisterImport, {"applied": False, **report}, status=422)
    await audit(request, "inmates.import", f"facility:{staff.facility_id}", f"{len(rows)} rows",
                staff)
    counts = await apply_register(request.app[ENGINE], staff.facility_id, rows)
    return reply(m.RegisterImport, {"applied": True, **counts, **report})


@operation("admin", "The notification outbox: counts by state and the latest 20 messages "
           "with their attempts and last error", reply=m.Outbox)
async def notifications(request: web.Request) -> web.Response:
    """How the outbox is doing: counts by state and the latest messages with their last error,
    so an admin sees a gateway that is down before families complain."""
    staff = await require_staff(request, ADMINS)
    report = await notification_rows.outbox_report(request.app[ENGINE], staff.facility_id)
    return reply(m.Outbox, report)


async def coverage_of(app: web.Application, facility: Facility) -> dict[str, Any] | None:
    """Blocks, cells and categories of the active register against the schedule."""
    schedule = schedule_of(facility)
    if schedule is None:
        return None
    inmates = [i for i in await ticket_rows.inmates_for(app[ENGINE], facility.id)
               if i["status"] == "active"]
    report = coverage(schedule, [inmate_groups(i) for i in inmates])
    return {"groups": [{"group": g, "inmates": n, "sessions": list(sessions)}
                       for g, (n, sessions) in report.groups.items()],
            "unvisitable": list(report.unvisitable), "unknown": list(report.unknown)}


@operation("schedule", "Blocks, cells and categories of the register against the schedule: "
           "inmates and sessions per group, groups no session admits, schedule groups no "
           "inmate has (null: no schedule)", reply=m.Coverage)
async def coverage_json(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    facility = await reload_facility(request.app, staff.facility_id)
    return reply(m.Coverage, await coverage_of(request.app, facility))


ADMIN_SCRIPT_KEYS = ("saved", "kiosk_link_once", "import_done", "import_refused", "line",
                     "photos_stored", "photos_refused", "no_file")


async def admin_page(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request, ADMINS)
    facility = await reload_facility(request.app, staff.facility_id)
    engine = request.app[ENGINE]
    lang = request_lang(request)
    outbox = await notification_rows.outbox_report(engine, facility.id)
    cover = await coverage_of(request.app, facility)
    for row in outbox["latest"]:
        row["local"] = local_time(row["created_at"], facility.timezone, with_date=True,
                                  seconds=True)
    return aiohttp_jinja2.render_template("admin.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, outbox=outbox, cover=cover,
        stations=await facility_rows.stations_for(engine, facility.id),
        inmates=await ticket_rows.inmates_for(engine, facility.id),
        accounts=await staff_rows.staff_of(engine, facility.id), roles=ROLES,
        timezones=[(tz, ZONE_LABELS[tz]) for tz in TIMEZONES],
        strings={k: translate(k, lang) for k in ADMIN_SCRIPT_KEYS},
        cluster=await cluster_view(request.app)))
