"""The pages' WebSockets: one per page, typed JSON messages (docs/protocol.md).

Bad input hurts only the page that sent it: a malformed message closes that connection; an
offer that is malformed, asks too much or comes too often is refused with an `error` while the
page's call goes on. What a page is sent is queued per socket (socket_queue), so a page that
stops reading is dropped instead of holding up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from server.db import facility_rows, staff_rows
from server.errors import ApiError
from server.http.auth import (
    CONSOLE_ROLES,
    SESSION_COOKIE,
    SUPERVISOR_ROLES,
    current_staff,
    same_origin,
)
from server.http.lookups import local_hub, todays_ticket
from server.http.ratelimit import Window
from server.http.request_audit import audit
from server.http.socket_queue import SendQueue
from server.http.staff_sockets import STAFF_SOCKETS, close_ended
from server.i18n import request_lang, translate
from server.keys import BUS, CLOCK, CONFIG, ENGINE, SOCKETS
from signaling.answer import with_opus_fec
from signaling.bus.base import console_topic, station_topic, ticket_topic
from signaling.hub import FacilityHub
from signaling.ports import HubError, SdpError
from signaling.protocol import (
    MAX_MESSAGE_BYTES,
    ClientMessage,
    Monitor,
    Offer,
    Ping,
    ProtocolError,
    StepOut,
    Unmonitor,
    message,
    parse_client_message,
)

log = logging.getLogger(__name__)

OnMessage = Callable[[ClientMessage], Awaitable[None]]

# Offers a socket may send in a minute: a page offers when its call starts and again after a
# reload or a network change; more than this is a page in a loop (each offer makes the relay
# build a new peer connection).
OFFERS_PER_MINUTE = 10


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/ws/ticket/{token}", family_socket)
    app.router.add_get("/ws/station/{token}", station_socket)
    app.router.add_get("/ws/console", console_socket)


async def _open(request: web.Request) -> tuple[web.WebSocketResponse, SendQueue]:
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=MAX_MESSAGE_BYTES)
    await ws.prepare(request)
    request.app[SOCKETS].all.add(ws)
    return ws, SendQueue(request, ws)


async def _closed(request: web.Request, ws: web.WebSocketResponse, queue: SendQueue) -> None:
    await queue.close()
    request.app[SOCKETS].all.discard(ws)  # counted as open no longer (metrics, shutdown)


def _sender(queue: SendQueue) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def send(msg: dict[str, Any]) -> None:
        queue.put(msg)  # never waits for the page

    return send


async def _serve(request: web.Request, ws: web.WebSocketResponse, queue: SendQueue,
                 on_message: OnMessage) -> None:
    lang = request_lang(request)
    offers = Window(limit=OFFERS_PER_MINUTE, seconds=60)
    loop = asyncio.get_running_loop()
    async for msg in ws:
        if msg.type is not WSMsgType.TEXT:
            await ws.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"text frames only")
            return
        try:
            parsed = parse_client_message(msg.data)
            if isinstance(parsed, Offer | Monitor):
                # Counted before anything is done with it: refused offers count too.
                if offers.full("offer", loop.time()):
                    raise HubError("too_many_offers")
                offers.hit("offer", loop.time())
            await on_message(parsed)
        except ProtocolError as exc:
            log.warning("closing socket after bad message: %s", exc)
            queue.put(message("error", code="bad_message", message=translate("bad_json", lang)))
            await queue.flush()
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"bad message")
            return
        except SdpError as exc:  # the relay refused an offer the check let through
            log.warning("the relay refused an offer: %s", exc)
            queue.put(message("error", code="bad_offer", message=translate("bad_offer", lang)))
        except HubError as exc:
            queue.put(message("error", code=exc.code, message=translate(exc.code, lang)))


def _not_found(request: web.Request, key: str) -> web.Response:
    return web.json_response(
        {"error": {"code": key, "message": translate(key, request_lang(request))}}, status=404
    )


async def _leg_socket(
    request: web.Request,
    hub: FacilityHub,
    side: str,
    owner_id: int,
    topic: str,
    joined: Callable[[], Awaitable[None]],
    left: Callable[[], Awaitable[None]],
) -> web.WebSocketResponse:
    """A family's or a station's page: its own topic, presence, and offers for its live visit."""
    ws, queue = await _open(request)
    structlog.contextvars.bind_contextvars(**{side: owner_id}, conn=id(ws))
    subscription = request.app[BUS].subscribe(topic, _sender(queue))

    async def on_message(msg: ClientMessage) -> None:
        if isinstance(msg, Offer):
            answer = await hub.offer(side, owner_id, msg.sdp)
            if request.app[CONFIG].opus_fec:  # the page's Opus sends FEC (signaling/answer.py)
                answer = with_opus_fec(answer)
            queue.put(message("answer", sdp=answer))
        elif isinstance(msg, Ping):
            queue.put(message("pong"))
        elif isinstance(msg, StepOut):
            await hub.step_out(side, owner_id)
        else:  # a supervisor's message on a family's or station's socket: refused, as unknown
            raise ProtocolError(f"{type(msg).__name__.lower()} is not sent by this page")

    try:
        await joined()
        await _serve(request, ws, queue, on_message)
    finally:
        subscription.cancel()
        await _closed(request, ws, queue)
        # A page that drops cancels this handler; what its leaving means must still be done.
        await asyncio.shield(left())
    return ws


async def family_socket(request: web.Request) -> web.StreamResponse:
    found = await todays_ticket(request, request.match_info["token"])
    if found is None:
        return _not_found(request, "bad_ticket")
    ticket, _, hub = found
    ticket_id = ticket.id
    return await _leg_socket(
        request, hub, "family", ticket_id, ticket_topic(ticket_id),
        lambda: hub.family_joined(ticket_id), lambda: hub.family_left(ticket_id),
    )


async def station_socket(request: web.Request) -> web.StreamResponse:
    station = await facility_rows.station_by_token(request.app[ENGINE], request.match_info["token"])
    if station is None:
        return _not_found(request, "bad_station")
    hub = local_hub(request, int(station["facility_id"]))  # or joined to its node's
    station_id = int(station["id"])
    return await _leg_socket(
        request, hub, "station", station_id, station_topic(station_id),
        lambda: hub.station_joined(station_id), lambda: hub.station_left(station_id),
    )


async def console_socket(request: web.Request) -> web.StreamResponse:
    found = await current_staff(request)
    if found is None or found[0].role not in CONSOLE_ROLES or not same_origin(request):
        return web.json_response(
            {"error": {"code": "login_required",
                       "message": translate("login_required", request_lang(request))}},
            status=401,
        )
    staff = found[0]
    session_token = request.cookies.get(SESSION_COOKIE, "")
    lang = request_lang(request)
    hub = local_hub(request, staff.facility_id)  # or joined to its node's
    ws, queue = await _open(request)
    structlog.contextvars.bind_contextvars(staff=staff.username, conn=id(ws))
    # A logout, a disabled account, a new role or password closes this socket within a second
    # (server/http/staff_sockets.py), from whichever process or command made the change.
    request.app[STAFF_SOCKETS].add(ws, session_token, staff)
    subscription = request.app[BUS].subscribe(console_topic(staff.facility_id), _sender(queue))
    watching: set[int] = set()
    monitor_id = f"{staff.username}:{id(ws)}"

    async def stop_watching(visit_id: int) -> None:
        if visit_id in watching:
            watching.discard(visit_id)
            await hub.unmonitor(visit_id, monitor_id)
            await audit(request, "monitor.leave", f"visit:{visit_id}", staff=staff)

    async def owner_now() -> staff_rows.Staff | None:
        """Who holds this socket's session now, if they still may hold a console: asked at
        every message, so nothing is done in the moment before the watcher closes it."""
        now = request.app[CLOCK]()
        found = await staff_rows.session_staff(request.app[ENGINE], session_token, now)
        if found is None or found[0].id != staff.id or found[0].role != staff.role:
            return None
        return found[0]

    async def on_message(msg: ClientMessage) -> None:
        if await owner_now() is None:
            request.app[STAFF_SOCKETS].discard(ws)
            await close_ended(ws)
            return
        if isinstance(msg, Ping):
            queue.put(message("pong"))
            return
        if not isinstance(msg, Monitor | Unmonitor):
            raise ProtocolError("the console sends its actions through the JSON API")
        if staff.role not in SUPERVISOR_ROLES:
            raise HubError("forbidden")
        if isinstance(msg, Unmonitor):
            await stop_watching(msg.visit_id)
            return
        await audit(request, "monitor.join", f"visit:{msg.visit_id}", staff=staff)
        try:
            answer = await hub.monitor(msg.visit_id, monitor_id, msg.sdp)
        except HubError as exc:
            await audit(request, "monitor.join", f"visit:{msg.visit_id}", exc.code, staff)
            raise
        watching.add(msg.visit_id)
        queue.put(message("monitor_answer", visit_id=msg.visit_id, sdp=answer))

    try:
        queue.put(hub.snapshot())
        await _serve(request, ws, queue, on_message)
    except ApiError as exc:  # the audit log could not be written: refuse and close
        queue.put(message("error", code=exc.code, message=translate(exc.code, lang)))
        await queue.flush()
        with contextlib.suppress(ConnectionResetError):
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER)
    finally:
        request.app[STAFF_SOCKETS].discard(ws)
        subscription.cancel()
        await _closed(request, ws, queue)
        for visit_id in list(watching):
            with contextlib.suppress(ApiError):
                await stop_watching(visit_id)
    return ws
