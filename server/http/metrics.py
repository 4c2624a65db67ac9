"""GET /metrics for an operator's Prometheus. Who may read it: with SAMBANG_METRICS_TOKEN set,
whoever sends it as a bearer token, from anywhere; without one, only a direct connection from
this machine's loopback that no proxy forwarded (a TLS proxy on the same machine connects from
loopback too, but says whom it forwards for). Families and staff never see it."""

from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from media.pool import LocalRelay, WorkerRelay
from server.i18n import request_lang, translate
from server.keys import CONFIG, ENGINE, FACILITIES, HUBS, METRICS, RELAY, SOCKETS
from server.metrics import FacilityLive, Live, WorkerLive
from server.services import outbox
from signaling.hub import FacilityHub
from signaling.lifecycle import VisitState

# What a proxy adds for the client behind it; any of them means the caller is not local.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics)


def may_read(request: web.Request, token: str) -> bool:
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    if any(h in request.headers for h in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:  # a unix socket or an unknown peer
        return False


def facility_live(code: str, hub: FacilityHub) -> FacilityLive:
    visits = {state.value: 0 for state in (VisitState.CALLED, VisitState.LIVE)}
    transcoded = 0
    for info in hub.state.visits.values():
        if info.visit.state.value in visits:
            visits[info.visit.state.value] += 1
            transcoded += info.media_mode == "transcode"
    waiting = hub.state.queue.waiting()
    present = sum(1 for t in waiting if t.present)
    return FacilityLive(code, visits, transcoded, present, len(waiting) - present)


def workers_live(app: web.Application) -> list[WorkerLive]:
    relay = app.get(RELAY)
    if isinstance(relay, WorkerRelay):
        return [WorkerLive(name, load.sessions, load.cpu, load.rss_mb * 1024 * 1024)
                for name, load in sorted(relay.loads.items())]
    if isinstance(relay, LocalRelay):  # the relay runs in the server process itself
        return [WorkerLive("local", relay.relay.count(), None, None)]
    return []


async def live_state(app: web.Application) -> Live:
    facilities = app.get(FACILITIES, {})
    hubs = app.get(HUBS, {})
    return Live(
        facilities=[facility_live(facilities[fid].code if fid in facilities else str(fid), hub)
                    for fid, hub in sorted(hubs.items())],
        workers=workers_live(app),
        outbox=await outbox.backlog(app[ENGINE]),
        open_sockets=len(app[SOCKETS].all),
    )


async def metrics(request: web.Request) -> web.Response:
    if not may_read(request, request.app[CONFIG].metrics_token):
        return web.Response(status=403, text=translate("metrics_forbidden", request_lang(request)))
    body = request.app[METRICS].render(await live_state(request.app))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                            "Cache-Control": "no-store"})
