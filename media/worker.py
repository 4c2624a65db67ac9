"""A relay worker process: one Python process per core, each owning the relay sessions of the
visits pinned to it. It hears requests on `relay:<worker>` and answers on the `reply_to` topic;
it reports leg states on `relay-events` and its load on `relay-load` every second."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import resource
import signal
from dataclasses import asdict
from pathlib import Path
from typing import Any

import structlog

from media.bench.baseline import TranscodingSession
from media.relay import Relay, RelaySession
from signaling.bus.unix_socket import SocketBus
from signaling.logs import setup_logging
from signaling.ports import SdpError, SessionClosed
from signaling.turn import TurnSettings

log = logging.getLogger(__name__)

LOAD_INTERVAL = 1.0


def cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Worker:
    def __init__(self, worker_id: str, bus: SocketBus) -> None:
        self.worker_id = worker_id
        self.bus = bus
        self.relay = Relay(TurnSettings.from_mapping(os.environ))
        self.baselines: dict[int, TranscodingSession] = {}  # `sambang bench relay` only

    def _leg_state(self, visit_id: int) -> Any:
        def report(side: str, state: str) -> None:
            asyncio.ensure_future(self.bus.publish("relay-events", {
                "worker": self.worker_id, "visit": visit_id, "side": side, "state": state}))
        return report

    async def handle(self, msg: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"id": msg.get("id"), "ok": True}
        try:
            reply.update(await self._do(msg))
        except SdpError as exc:
            reply.update(ok=False, error="sdp", detail=str(exc)[:200])
        except (SessionClosed, KeyError):
            reply.update(ok=False, error="closed")
        except Exception as exc:  # a request must always get its reply
            log.exception("relay worker request failed")
            reply.update(ok=False, error="internal", detail=type(exc).__name__)
        if msg.get("reply_to"):
            await self.bus.publish(str(msg["reply_to"]), reply)

    async def _do(self, msg: dict[str, Any]) -> dict[str, Any]:
        op, visit_id = msg["op"], int(msg.get("visit", 0))
        if op == "open":
            if msg.get("mode") == "baseline":
                self.baselines[visit_id] = TranscodingSession()
            else:
                self.relay.open(visit_id, self._leg_state(visit_id))
            return {}
        if op == "answer":
            baseline = self.baselines.get(visit_id)
            if baseline is not None:
                return {"sdp": await baseline.answer(msg["side"], msg["sdp"]),
                        "media_mode": "transcode"}
            session = self._session(visit_id)
            sdp = await session.answer(str(msg["side"]), str(msg["sdp"]))
            return {"sdp": sdp, "media_mode": session.media_mode}
        if op == "close":
            baseline = self.baselines.pop(visit_id, None)
            if baseline is not None:
                await baseline.close()
            return {"files": [asdict(f) for f in await self.relay.close(visit_id)]}
        if op == "private":
            await self._session(visit_id).make_private()
            return {}
        if op == "record":
            self._session(visit_id).start_recording(Path(msg["directory"]), str(msg["prefix"]))
            return {}
        if op == "monitor":
            sdp = await self._session(visit_id).add_monitor(str(msg["monitor"]), str(msg["sdp"]))
            return {"sdp": sdp}
        if op == "unmonitor":
            await self._session(visit_id).remove_monitor(str(msg["monitor"]))
            return {}
        if op == "stats":
            return {"stats": self._session(visit_id).stats(), "pid": os.getpid()}
        raise KeyError(op)

    def _session(self, visit_id: int) -> RelaySession:
        session = self.relay.get(visit_id)
        if session is None:
            raise SessionClosed(visit_id)
        return session

    async def report_load(self) -> None:
        last_cpu, last_time = cpu_seconds(), asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(LOAD_INTERVAL)
            now_cpu, now = cpu_seconds(), asyncio.get_running_loop().time()
            await self.bus.publish("relay-load", {
                "worker": self.worker_id, "pid": os.getpid(),
                "sessions": self.relay.count() + len(self.baselines),
                "cpu": (now_cpu - last_cpu) / max(1e-6, now - last_time), "rss_mb": rss_mb(),
            })
            last_cpu, last_time = now_cpu, now


async def run(worker_id: str, bus_path: Path) -> None:
    bus = SocketBus()
    await bus.connect(bus_path)
    worker = Worker(worker_id, bus)
    subscription = bus.subscribe(f"relay:{worker_id}", worker.handle)
    await bus.publish("relay-load", {"worker": worker_id, "pid": os.getpid(), "sessions": 0,
                                     "cpu": 0.0, "rss_mb": rss_mb()})
    load = asyncio.create_task(worker.report_load())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(bus.closed.wait())]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    subscription.cancel()
    load.cancel()
    for task in waiters:
        task.cancel()
    await worker.relay.close_all()
    with contextlib.suppress(Exception):
        await bus.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="sambang relay worker (started by the server)")
    parser.add_argument("--bus", required=True, help="unix socket of the machine's bus")
    parser.add_argument("--worker", required=True)
    args = parser.parse_args()
    setup_logging()  # as the server does: one stream of lines, one format
    structlog.contextvars.bind_contextvars(relay_worker=args.worker)
    asyncio.run(run(args.worker, Path(args.bus)))


if __name__ == "__main__":
    main()
