"""The application factory: resources opened and closed in cleanup contexts, routes wired."""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web

from media.pool import LocalRelay, WorkerRelay
from server.config import Config
from server.demo import seed_demo
from server.errors import ApiError, hub_status
from server.http import (
    admin,
    audit_log,
    cluster,
    complaints,
    family,
    family_api,
    metrics,
    officer_api,
    pages,
    public,
    recordings,
    registration_desk,
    reports,
    sockets,
    static_files,
    visit_records,
)
from server.http.forward import forward_middleware, forwarded_client
from server.http.ratelimit import Limits
from server.http.staff_sockets import staff_sockets_ctx
from server.http.static_files import StaticFiles
from server.i18n import COOKIE, request_lang, translate
from server.keys import (
    BUS,
    CLOCK,
    CONFIG,
    ENGINE,
    HUBS,
    LIMITS,
    METRICS,
    OUTBOX_WAKE,
    POSTERS,
    RELAY,
    SECRET,
    SOCKETS,
    STATIC,
    OpenSockets,
)
from server.metrics import Metrics
from server.secret import load_secret
from server.services import housekeeping, hubs, nodes, outbox
from server.services.posters import PosterCache
from signaling.bus.base import Bus, InProcessBus
from signaling.bus.stale import PREFIX as STALE_PREFIX
from signaling.bus.stale import SOCKET_NAME, remove_stale
from signaling.bus.unix_socket import BusBroker
from signaling.ports import HubError, RelayClient

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# aiohttp's HTTP errors, said in the catalogue's words.
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "upload_too_large"}


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    lang = request_lang(request)
    try:
        response = await handler(request)
    except (ApiError, HubError) as exc:
        status = exc.status if isinstance(exc, ApiError) else hub_status(exc.code)
        text = exc.message(lang) if isinstance(exc, ApiError) else translate(exc.code, lang)
        if request.path.startswith("/api/"):
            error = {"code": exc.code, "message": text}
            if isinstance(exc, ApiError) and "field" in exc.values:
                error["field"] = str(exc.values["field"])  # which input to fix
            return web.json_response({"error": error}, status=status)
        return pages.error_page(request, status, translate("error_title", lang), text)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects go on as they are
            raise
        # aiohttp's own refusals (no such page, a method the page does not take, ...) in the
        # user's language, as a page or as the API's JSON, never its English plain text.
        code = HTTP_CODES.get(exc.status, "request_refused")
        if request.path.startswith("/api/"):
            response = web.json_response(
                {"error": {"code": code, "message": translate(code, lang)}}, status=exc.status)
        elif exc.status == 404:
            response = pages.error_page(request, 404, translate("not_found", lang), "")
        else:
            response = pages.error_page(request, exc.status, translate("error_title", lang),
                                        translate(code, lang))
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    if request.query.get("lang") in ("id", "en"):
        response.set_cookie(COOKIE, request.query["lang"], max_age=365 * 86400, samesite="Lax")
    return response


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # ticket links are secrets
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


# Worth compressing: text. Images, PDFs and recordings are compressed already.
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml",
                "image/svg+xml", "application/openmetrics-text")


@web.middleware
async def compress(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gzip text for clients that accept it: a page on a 3G phone arrives in a third of the
    bytes."""
    response = await handler(request)
    if (isinstance(response, web.WebSocketResponse) or response.prepared
            or response.compression or "Content-Encoding" in response.headers
            or "Range" in request.headers):
        return response
    if isinstance(response, web.FileResponse):  # its type is known only once it is sent
        content_type = mimetypes.guess_type(request.path)[0] or ""
    else:
        content_type = response.content_type
        body = response.body if isinstance(response, web.Response) else None
        if isinstance(body, bytes | bytearray) and len(body) < 512:
            return response  # smaller than what gzip saves
    if not content_type.startswith(COMPRESSIBLE):
        return response
    response.headers.add("Vary", "Accept-Encoding")
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        response.enable_compression(web.ContentCoding.gzip)
    return response


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    from server.db.engine import open_engine

    config = app[CONFIG]
    config.data_dir.mkdir(parents=True, exist_ok=True)
    engine = await open_engine(config.db_url)
    app[ENGINE] = engine
    try:
        app[SECRET] = load_secret(config.data_dir, config.secret_key or None)
    except BaseException:
        await engine.dispose()
        raise
    if config.demo:
        await seed_demo(engine, config)
    yield
    await engine.dispose()


async def relay_ctx(app: web.Application) -> AsyncIterator[None]:
    """The bus and the relay: worker processes on a unix-socket bus, or all in this process."""
    workers = app[CONFIG].worker_count
    bus: Bus
    relay: RelayClient
    broker: BusBroker | None = None
    if workers > 0:
        # A short path of its own: unix socket paths are limited to about 100 bytes. Those
        # of servers killed earlier (nobody listens on them) are cleaned first.
        remove_stale(Path(tempfile.gettempdir()))
        broker = BusBroker(Path(tempfile.mkdtemp(prefix=STALE_PREFIX)) / SOCKET_NAME)
        await broker.start()
        pool = WorkerRelay(broker, broker.path, workers,
                           capacity=max(1, app[CONFIG].relay_capacity), turn=app[CONFIG].turn)
        bus, relay = broker, pool
        try:
            await pool.start()
        except BaseException:
            await pool.close_all()
            await broker.close()
            raise
    else:
        bus, relay = InProcessBus(), LocalRelay(app[CONFIG].turn)
    app[BUS] = bus
    app[RELAY] = relay
    yield
    await relay.close_all()
    if broker is not None:
        await broker.close()
        broker.path.parent.rmdir()


async def close_sockets(app: web.Application) -> None:
    for ws in list(app[SOCKETS].all):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def create_app(config: Config, clock: Callable[[], float] = time.time) -> web.Application:
    app = web.Application(
        middlewares=[forwarded_client, compress, security_headers, errors_middleware,
                     forward_middleware],
        client_max_size=256 * 1024,
    )
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app[STATIC] = StaticFiles(WEB_DIR / "static")
    app[POSTERS] = PosterCache()
    app[CLOCK] = clock
    app[SOCKETS] = OpenSockets()
    app[LIMITS] = Limits()
    app[OUTBOX_WAKE] = asyncio.Event()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(WEB_DIR / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    env = aiohttp_jinja2.get_env(app)
    env.filters["tojson_attr"] = lambda value: json.dumps(value)
    env.globals["static_url"] = app[STATIC].url
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(relay_ctx)
    app.cleanup_ctx.append(nodes.cluster_ctx)  # wraps the bus in Redis's with several nodes
    app.cleanup_ctx.append(staff_sockets_ctx)  # after relay_ctx: it listens on the bus
    app.cleanup_ctx.append(hubs.hubs_ctx)
    app.cleanup_ctx.append(housekeeping.housekeeping_ctx)
    app.cleanup_ctx.append(outbox.outbox_ctx)
    app.on_shutdown.append(close_sockets)
    app.router.add_get("/healthz", healthz)
    pages.setup_routes(app)
    officer_api.setup_routes(app)
    recordings.setup_routes(app)
    audit_log.setup_routes(app)
    visit_records.setup_routes(app)
    reports.setup_routes(app)
    public.setup_routes(app)
    family.setup_routes(app)
    registration_desk.setup_routes(app)
    complaints.setup_routes(app)
    admin.setup_routes(app)
    cluster.setup_routes(app)
    family_api.setup_routes(app)
    sockets.setup_routes(app)
    metrics.setup_routes(app)
    static_files.setup_routes(app, app[STATIC])
    return app


async def healthz(request: web.Request) -> web.Response:
    """503 while no relay can take one more visit (none running, or all full): this node can
    serve pages, but a visit started here would not start."""
    room = request.app[RELAY].room()
    body = {"status": "relay_full" if room.full else "ok", "facilities": len(request.app[HUBS]),
            "relay": {"workers": room.workers, "capacity": room.capacity,
                      "visits": room.visits}}
    return web.json_response(body, status=503 if room.full else 200)
