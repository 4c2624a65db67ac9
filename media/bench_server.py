"""The relay process that `sambang bench relay` measures: the real relay sessions (or the
transcoding baseline) behind a small HTTP endpoint on loopback, reporting its own CPU and memory."""

from __future__ import annotations

import argparse
import resource
from pathlib import Path

from aiohttp import web

from media.baseline import TranscodingSession
from media.relay import RelaySession

SESSIONS = web.AppKey("sessions", dict)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def offer(request: web.Request) -> web.Response:
    body = await request.json()
    sessions = request.app[SESSIONS]
    key = (body["mode"], body["visit"])
    session = sessions.get(key)
    if session is None:
        if body["mode"] == "forward":
            session = RelaySession(int(body["visit"]), lambda side, state: None)
        else:
            session = TranscodingSession()
        sessions[key] = session
    return web.json_response({"sdp": await session.answer(body["side"], body["sdp"])})


async def reset(request: web.Request) -> web.Response:
    sessions = request.app[SESSIONS]
    for session in list(sessions.values()):
        await session.close()
    sessions.clear()
    return web.json_response({"ok": True})


async def usage(request: web.Request) -> web.Response:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return web.json_response({"cpu": used.ru_utime + used.ru_stime, "rss_mb": rss_mb()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app[SESSIONS] = {}
    app.router.add_post("/offer", offer)
    app.router.add_post("/reset", reset)
    app.router.add_get("/usage", usage)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
