"""Staff pages' sockets (the officers' console, the supervisors' wall) last only as long as their
owner's rights: a logout, a disabled account, a new role or a new password, made on this
process (the admin page), another one, or by the command line (`sambang staff set-password`),
closes them within a second.

One watcher per process asks the database, in one query, which of the sessions behind its open
staff sockets still hold, twice a second and at once when this process hears of a change on the
bus; the database is what every process and the command line share. Each socket also checks its
owner again at every message it receives (server/http/sockets.py), so nothing is done between
a change and the next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from server.db import staff_rows
from server.db.rows import token_hash
from server.db.staff_rows import Staff
from server.keys import BUS, CLOCK, CONFIG, ENGINE

log = logging.getLogger(__name__)

REVOKED_TOPIC = "staff:revoked"  # a change of someone's rights: look now, not at the next round
SESSION_ENDED = 4401  # the close code pages read as "log in again" (docs/protocol.md)


@dataclass(frozen=True)
class Held:
    session: str  # the hash of the session token, as stored
    staff_id: int
    role: str


class StaffSockets:
    def __init__(self) -> None:
        self._open: dict[web.WebSocketResponse, Held] = {}
        self.wake = asyncio.Event()

    def add(self, ws: web.WebSocketResponse, session_token: str, staff: Staff) -> None:
        self._open[ws] = Held(token_hash(session_token), staff.id, staff.role)

    def discard(self, ws: web.WebSocketResponse) -> None:
        self._open.pop(ws, None)

    def __len__(self) -> int:
        return len(self._open)

    async def check(self, app: web.Application) -> int:
        """Close every socket whose session ended, whose account is off, or whose role is no
        longer the one it opened with; returns how many were closed."""
        held = {ws: h for ws, h in self._open.items() if not ws.closed}
        if not held:
            return 0
        live = await staff_rows.live_sessions(
            app[ENGINE], {h.session for h in held.values()}, app[CLOCK]())
        closed = 0
        for ws, h in held.items():
            if live.get(h.session) != (h.staff_id, h.role):
                self.discard(ws)
                await close_ended(ws)
                closed += 1
        if closed:
            log.info("staff sockets closed after a change of rights", extra={"closed": closed})
        return closed


async def close_ended(ws: web.WebSocketResponse) -> None:
    with contextlib.suppress(ConnectionResetError):
        await ws.close(code=SESSION_ENDED, message=b"session ended")


STAFF_SOCKETS = web.AppKey("staff_sockets", StaffSockets)


async def tell_revoked(app: web.Application, staff_id: int) -> None:
    """This process changed someone's rights: every process listening on the bus looks now."""
    await app[BUS].publish(REVOKED_TOPIC, {"type": "revoked", "staff_id": staff_id})


async def staff_sockets_ctx(app: web.Application) -> AsyncIterator[None]:
    sockets = app[STAFF_SOCKETS] = StaffSockets()

    async def heard(_: dict[str, Any]) -> None:
        sockets.wake.set()

    subscription = app[BUS].subscribe(REVOKED_TOPIC, heard)

    async def watch() -> None:
        interval = app[CONFIG].session_check_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sockets.wake.wait(), interval)
            sockets.wake.clear()
            try:
                await sockets.check(app)
            except Exception:  # a database hiccup: the next round looks again
                log.exception("staff sockets could not be checked")

    task = asyncio.create_task(watch())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    subscription.cancel()
