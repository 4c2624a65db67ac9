"""Recordings for supervisors: list, play, download (each audited), start on demand; retention
and crash recovery (run by server/services/housekeeping.py). Files are found by database id
only; no path ever comes from a request."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from server.db import recording_rows, visit_rows
from server.errors import ApiError
from server.http.auth import SUPERVISOR_ROLES as SUPERVISORS
from server.http.auth import require_staff
from server.http.lookups import hub_for
from server.http.models import officer as visits
from server.http.models import records as m
from server.http.models.operation import operation
from server.http.models.reading import path_id, read_query
from server.http.pages import context, supervisor_or_refuse
from server.http.request_audit import audit
from server.keys import CLOCK, CONFIG, ENGINE, FACILITIES
from server.services.audit import AuditEvent, append

log = logging.getLogger(__name__)



def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/recordings", list_recordings)
    app.router.add_get("/api/recordings/{recording_id:\\d+}/file", recording_file)
    app.router.add_post("/api/visits/{visit_id:\\d+}/recording", start_recording)
    app.router.add_get("/visits/{visit_id:\\d+}/recordings", player)


def _file_of(app: web.Application, row: dict[str, object]) -> Path:
    root = (app[CONFIG].data_dir / "recordings").resolve()
    path = (app[CONFIG].data_dir / str(row["path"])).resolve()
    if root not in path.parents:  # a tampered row must not reach outside the recordings
        raise ApiError("not_found", 404)
    return path


@operation("recordings", "Recordings of the supervisor's facility (query visit_id to filter)",
           query=m.RecordingQuery, reply=m.Recordings)
async def list_recordings(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    visit_id = read_query(request, m.RecordingQuery).visit_id
    rows = await recording_rows.recordings_of(request.app[ENGINE], staff.facility_id, visit_id)
    return web.json_response({"recordings": [
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
    return web.json_response({"visit_id": visit_id, "recording": True})


async def player(request: web.Request) -> web.Response:
    staff, csrf = await supervisor_or_refuse(request)
    visit_id = path_id(request, "visit_id")
    rows = await recording_rows.recordings_of(request.app[ENGINE], staff.facility_id, visit_id)
    facility = request.app[FACILITIES][staff.facility_id]
    return aiohttp_jinja2.render_template("player.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, visit_id=visit_id,
        files={row["side"]: row for row in rows}))


async def apply_retention(app: web.Application) -> int:
    """Delete recordings older than their facility keeps them; each deletion is audited."""
    engine = app[ENGINE]
    now = app[CLOCK]()
    deleted = 0
    for facility in app[FACILITIES].values():
        before = now - facility.retention_days * 86400
        for row in await recording_rows.expired_recordings(engine, facility.id, before):
            await append(engine, AuditEvent(now, "system", "system", "recording.delete",
                                            f"recording:{row['id']}", "retention", ""))
            with contextlib.suppress(FileNotFoundError):
                _file_of(app, row).unlink()
            await recording_rows.mark_recording_deleted(engine, row["id"], now)
            deleted += 1
    return deleted


RECORDING_NAME = re.compile(r"^visit(\d+)-(family|station)-[0-9a-f]+\.(webm|mkv)$")


def digest_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


async def recover_recordings(app: web.Application) -> int:
    """Files left by a relay that died mid-visit have no row: give them one, hashed now, so a
    supervisor can still play what was written before the crash."""
    root = (app[CONFIG].data_dir / "recordings").resolve()
    engine = app[ENGINE]
    known = {row["path"] for row in await recording_rows.all_recordings(engine)}
    recovered = 0
    for path in await asyncio.to_thread(lambda: sorted(root.glob("*/*"))):
        relative = str(path.relative_to(app[CONFIG].data_dir.resolve()))
        found = RECORDING_NAME.match(path.name)
        if relative in known or found is None or not path.parent.name.isdigit():
            continue
        record = await visit_rows.visit_record(engine, int(found.group(1)))
        if record is None or record["facility_id"] != int(path.parent.name):
            continue
        digest, size = await asyncio.to_thread(digest_file, path)
        stat = await asyncio.to_thread(path.stat)
        await recording_rows.insert_recording(
            engine, facility_id=record["facility_id"], visit_id=record["id"],
            side=found.group(2), path=relative, sha256=digest, bytes=size,
            started_at=record["started_at"] or stat.st_mtime, closed_at=stat.st_mtime)
        await append(engine, AuditEvent(app[CLOCK](), "system", "system", "recording.recover",
                                        f"visit:{record['id']}", "interrupted", ""))
        recovered += 1
    return recovered
