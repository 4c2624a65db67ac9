"""Recordings for supervisors: list, play, download (each audited), start on demand. Files are
found by database id only; no path ever comes from a request. Retention and crash recovery are
recordings/retention.py and recordings/recovery.py."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from recordings.files import file_of
from server.db import recording_rows
from server.errors import ApiError
from server.http.auth import SUPERVISOR_ROLES as SUPERVISORS
from server.http.auth import require_staff
from server.http.lookups import hub_for
from server.http.models import officer as visits
from server.http.models import records as m
from server.http.models.operation import operation, reply
from server.http.models.reading import path_id, read_query
from server.http.pages import context, supervisor_or_refuse
from server.http.request_audit import audit
from server.keys import CONFIG, ENGINE, FACILITIES

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/recordings", list_recordings)
    app.router.add_get("/api/recordings/{recording_id:\\d+}/file", recording_file)
    app.router.add_post("/api/visits/{visit_id:\\d+}/recording", start_recording)
    app.router.add_get("/visits/{visit_id:\\d+}/recordings", player)


def _file_of(app: web.Application, row: dict[str, object]) -> Path:
    path = file_of(app[CONFIG].data_dir, str(row["path"]))
    if path is None:  # a tampered row must not reach outside the recordings
        raise ApiError("not_found", 404)
    return path


@operation("recordings", "Recordings of the supervisor's facility (query visit_id to filter)",
           query=m.RecordingQuery, reply=m.Recordings)
async def list_recordings(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    visit_id = read_query(request, m.RecordingQuery).visit_id
    rows = await recording_rows.recordings_of(request.app[ENGINE], staff.facility_id, visit_id)
    return reply(m.Recordings, {"recordings": [
        {k: row[k] for k in ("id", "visit_id", "side", "sha256", "bytes", "started_at",
                             "closed_at")} for row in rows]})


@operation("recordings", "Play (or with download=1 download) one recording; audited",
           query=m.RecordingFileQuery, reply_type="video/webm")
async def recording_file(request: web.Request) -> web.StreamResponse:
    staff = await require_staff(request, SUPERVISORS)
    query = read_query(request, m.RecordingFileQuery)
    row = await recording_rows.recording(request.app[ENGINE], path_id(request, "recording_id"))
    if row is None or row["facility_id"] != staff.facility_id or row["deleted_at"] is not None:
        raise ApiError("not_found", 404)
    download = query.download == "1"
    action = "recording.download" if download else "recording.play"
    await audit(request, action, f"recording:{row['id']}", staff=staff)
    path = _file_of(request.app, row)
    response = web.FileResponse(path, headers={"Cache-Control": "no-store"})
    kind = "video/webm" if path.suffix == ".webm" else "video/x-matroska"
    response.content_type = kind
    if download:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="kunjungan-{row["visit_id"]}-{row["side"]}{path.suffix}"')
    return response


@operation("recordings", "Start recording a live visit on demand (supervisor; never a legal "
           "visit)", reply=visits.RecordingStarted)
async def start_recording(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    visit_id = path_id(request, "visit_id")
    hub = hub_for(request, staff)  # first: the request may go to the facility's node
    await audit(request, "recording.start", f"visit:{visit_id}", staff=staff)
    await hub.record(visit_id)
    return reply(visits.RecordingStarted, {"visit_id": visit_id, "recording": True})


async def player(request: web.Request) -> web.Response:
    staff, csrf = await supervisor_or_refuse(request)
    visit_id = path_id(request, "visit_id")
    rows = await recording_rows.recordings_of(request.app[ENGINE], staff.facility_id, visit_id)
    facility = request.app[FACILITIES][staff.facility_id]
    return aiohttp_jinja2.render_template("player.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, visit_id=visit_id,
        files={row["side"]: row for row in rows}))
