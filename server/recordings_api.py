"""Recordings for supervisors: list, play, download (each audited), start on demand, and the
retention job. Files are found by database id only; no path ever comes from a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from server import store
from server.app_helpers import hub_for
from server.audit import AuditEvent, append
from server.audit_http import audit
from server.auth import require_staff
from server.errors import ApiError
from server.i18n import request_lang, translate
from server.keys import CLOCK, CONFIG, ENGINE, FACILITIES
from server.pages import context, error_page, staff_or_login

log = logging.getLogger(__name__)

SUPERVISORS = frozenset({"supervisor", "admin"})
RETENTION_CHECK_SECONDS = 3600.0


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


async def list_recordings(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    visit = request.query.get("visit_id")
    visit_id = int(visit) if visit and visit.isdigit() else None
    rows = await store.recordings_of(request.app[ENGINE], staff.facility_id, visit_id)
    return web.json_response({"recordings": [
        {k: row[k] for k in ("id", "visit_id", "side", "sha256", "bytes", "started_at",
                             "closed_at")} for row in rows]})


async def recording_file(request: web.Request) -> web.StreamResponse:
    staff = await require_staff(request, SUPERVISORS)
    row = await store.recording(request.app[ENGINE], int(request.match_info["recording_id"]))
    if row is None or row["facility_id"] != staff.facility_id or row["deleted_at"] is not None:
        raise ApiError("not_found", 404)
    download = request.query.get("download") == "1"
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


async def start_recording(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    visit_id = int(request.match_info["visit_id"])
    await audit(request, "recording.start", f"visit:{visit_id}", staff=staff)
    await hub_for(request, staff).record(visit_id)
    return web.json_response({"visit_id": visit_id, "recording": True})


async def player(request: web.Request) -> web.Response:
    staff, csrf = await staff_or_login(request)
    lang = request_lang(request)
    if staff.role not in SUPERVISORS:
        return error_page(request, 403, translate("error_title", lang),
                          translate("forbidden", lang))
    visit_id = int(request.match_info["visit_id"])
    rows = await store.recordings_of(request.app[ENGINE], staff.facility_id, visit_id)
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
        for row in await store.expired_recordings(engine, facility.id, before):
            await append(engine, AuditEvent(now, "system", "system", "recording.delete",
                                            f"recording:{row['id']}", "retention", ""))
            with contextlib.suppress(FileNotFoundError):
                _file_of(app, row).unlink()
            await store.mark_recording_deleted(engine, row["id"], now)
            deleted += 1
    return deleted


async def retention_ctx(app: web.Application) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            try:
                removed = await apply_retention(app)
                if removed:
                    log.info("retention: %d recordings deleted", removed)
            except Exception:  # the next round tries again
                log.exception("retention job failed")
            await asyncio.sleep(RETENTION_CHECK_SECONDS)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
