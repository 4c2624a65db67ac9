"""A request for a facility that another node runs goes to that node (several nodes only).

A page, a console or an officer's API call may reach any node behind the proxy; only the node
holding the facility's lease runs its hub. A handler that needs the hub and does not find it
here raises `ForwardToOwner` before it changes anything, and this middleware sends the request
as it came (method, path, headers with the browser's Host and cookies, body) to the owner and
returns its answer; a WebSocket is joined to one opened on the owner, message for message, so
what the hub sends and the answers to the page's own messages keep their order. When the owner
dies, both ends close and the page reconnects, by then to the facility's new owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import WSMsgType, web

from server.errors import ApiError
from server.keys import HUBS, NODE, SECRET

log = logging.getLogger(__name__)

FORWARDED = "X-Sambang-Forwarded-By"
CLIENT = "X-Sambang-Client"  # the browser's address, as the first node saw it
SIGNATURE = "X-Sambang-Signature"  # HMAC of both with the deployment's shared secret
# Headers about one hop, never passed on; aiohttp sets its own for the next hop.
HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                 "trailer", "transfer-encoding", "upgrade", "content-length", "content-encoding",
                 "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                 "sec-websocket-accept", "sec-websocket-protocol"})


class ForwardToOwner(Exception):  # noqa: N818 - a signal to the middleware, not an error
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.address = address


def owner_elsewhere(request: web.Request, facility_id: int) -> None:
    """Raise for a facility whose hub is not on this node: ForwardToOwner when another node
    runs it, else 503 (it is starting, or moving after its node died: the page retries)."""
    if facility_id in request.app[HUBS]:
        return
    node = request.app.get(NODE)
    address = node.owner_addresses.get(facility_id) if node is not None else None
    if address and FORWARDED not in request.headers:
        raise ForwardToOwner(address)
    raise ApiError("facility_not_ready", 503)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def forward_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ForwardToOwner as owner:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await _forward_socket(request, owner.address)
        return await _forward_request(request, owner.address)


def _headers(request: web.Request) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in HOP and k not in (CLIENT, SIGNATURE)}
    node_id, client = request.app[NODE].node_id, request.remote or ""
    headers[FORWARDED] = node_id
    headers[CLIENT] = client
    headers[SIGNATURE] = _sign(request.app[SECRET], node_id, client)
    return headers


def _sign(secret: bytes, node_id: str, client: str) -> str:
    return hmac.new(secret, f"forward|{node_id}|{client}".encode(), hashlib.sha256).hexdigest()


@web.middleware
async def forwarded_client(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request another node of this deployment passed on keeps the browser's address (for
    the audit log and the rate limits); only a node holding the shared secret can say so."""
    node_id, client = request.headers.get(FORWARDED), request.headers.get(CLIENT)
    signature = request.headers.get(SIGNATURE, "")
    if node_id is not None and client is not None and SECRET in request.app and \
            hmac.compare_digest(signature, _sign(request.app[SECRET], node_id, client)):
        request = request.clone(remote=client)
    return await handler(request)


def _session(request: web.Request) -> aiohttp.ClientSession:
    http = request.app[NODE].http
    if http is None:
        raise ApiError("facility_not_ready", 503)
    return http


async def _forward_request(request: web.Request, address: str) -> web.StreamResponse:
    body = await request.read()  # aiohttp keeps what a handler read already
    try:
        async with _session(request).request(
                request.method, f"http://{address}{request.path_qs}", headers=_headers(request),
                data=body, allow_redirects=False) as upstream:
            payload = await upstream.read()
            response = web.Response(status=upstream.status, body=payload)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP:
                    response.headers.add(key, value)
            return response
    except (TimeoutError, aiohttp.ClientError) as exc:
        log.warning("owner node %s did not answer: %s", address, type(exc).__name__)
        raise ApiError("facility_not_ready", 503) from None


async def _forward_socket(request: web.Request, address: str) -> web.StreamResponse:
    try:
        upstream = await _session(request).ws_connect(
            f"ws://{address}{request.path_qs}", headers=_headers(request), autoping=True)
    except aiohttp.WSServerHandshakeError as exc:
        # The owner refused it (no session, an unknown ticket): the page hears the same.
        refusal = {401: "login_required", 404: "not_found"}.get(exc.status,
                                                               "facility_not_ready")
        raise ApiError(refusal, exc.status) from None
    except (TimeoutError, aiohttp.ClientError):
        raise ApiError("facility_not_ready", 503) from None
    page = web.WebSocketResponse(heartbeat=30)
    await page.prepare(request)

    async def down() -> None:
        async for msg in upstream:
            if msg.type == WSMsgType.TEXT:
                await page.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await page.send_bytes(msg.data)

    async def up() -> None:
        async for msg in page:
            if msg.type == WSMsgType.TEXT:
                await upstream.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await upstream.send_bytes(msg.data)

    tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # The owner's close code (a refusal, or "going away" when it stops) reaches the page.
        code = upstream.close_code or 1001
        await upstream.close()
        await page.close(code=code if code not in (1005, 1006) else 1012)
    return page
