"""The hourly housekeeping job: recordings past their facility's retention and stale personal
data are deleted (each deletion audited); at start-up, recordings a crashed relay left behind are
recovered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server.http.recordings import apply_retention, recover_recordings
from server.services.privacy import purge_old_notifications, purge_stale_visitors

log = logging.getLogger(__name__)

RETENTION_CHECK_SECONDS = 3600.0


async def housekeeping_ctx(app: web.Application) -> AsyncIterator[None]:
    recovered = await recover_recordings(app)
    if recovered:
        log.warning("recovered %d recordings cut short by a relay crash", recovered)

    async def loop() -> None:
        while True:
            try:
                removed = await apply_retention(app)
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
