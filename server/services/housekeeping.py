"""The hourly housekeeping job: recordings past their facility's retention and stale personal
data are deleted (each deletion audited); at start-up, recordings a crashed relay left behind are
recovered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from recordings.recovery import recover_recordings
from recordings.retention import apply_retention
from server.keys import CLOCK, CONFIG, ENGINE, FACILITIES
from server.services.privacy import purge_old_notifications, purge_stale_visitors
from server.services.recording_store import SqlRecordingStore

log = logging.getLogger(__name__)

RETENTION_CHECK_SECONDS = 3600.0


async def retention_round(app: web.Application) -> int:
    """Delete the recordings past their facility's retention; returns how many."""
    keep = {facility.id: facility.retention_days for facility in app[FACILITIES].values()}
    return await apply_retention(SqlRecordingStore(app[ENGINE]), app[CONFIG].data_dir, keep,
                                 app[CLOCK]())


async def housekeeping_ctx(app: web.Application) -> AsyncIterator[None]:
    recovered = await recover_recordings(SqlRecordingStore(app[ENGINE]), app[CONFIG].data_dir,
                                         app[CLOCK]())
    if recovered:
        log.warning("recovered %d recordings cut short by a relay crash", recovered)

    async def loop() -> None:
        while True:
            try:
                removed = await retention_round(app)
                if removed:
                    log.info("retention: %d recordings deleted", removed)
                purged = await purge_stale_visitors(app)
                if purged:
                    log.info("retention: %d stale registrations deleted", purged)
                await purge_old_notifications(app)
            except Exception:  # the next round tries again
                log.exception("retention job failed")
            await asyncio.sleep(RETENTION_CHECK_SECONDS)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
