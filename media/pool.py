"""How the signaling side reaches the relay (it implements signaling.ports.RelayClient):
`LocalRelay` runs the sessions in this process, `WorkerRelay` runs them in worker processes (one
per core by default), each visit pinned to the least-loaded worker and reached through the bus."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from media.relay import Relay
from signaling.bus.base import Bus, Subscription
from signaling.ports import LegStateCallback, SdpError, SessionClosed
from signaling.turn import TurnSettings

log = logging.getLogger(__name__)

CALL_TIMEOUT = 15.0


class LocalRelay:
    def __init__(self, turn: TurnSettings | None = None) -> None:
        self.relay = Relay(turn)

    async def open(self, visit_id: int, on_leg_state: LegStateCallback) -> None:
        self.relay.open(visit_id, on_leg_state)

    async def answer(self, visit_id: int, side: str, sdp: str) -> tuple[str, str]:
        session = self.relay.get(visit_id)
        if session is None:
            raise SessionClosed(visit_id)
        return await session.answer(side, sdp), session.media_mode

    async def close(self, visit_id: int) -> list[dict[str, Any]]:
        return [asdict(f) for f in await self.relay.close(visit_id)]

    async def make_private(self, visit_id: int) -> None:
        session = self.relay.get(visit_id)
        if session is not None:
            await session.make_private()

    async def record(self, visit_id: int, directory: str, prefix: str) -> None:
        session = self.relay.get(visit_id)
        if session is None:
            raise SessionClosed(visit_id)
        session.start_recording(Path(directory), prefix)

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        session = self.relay.get(visit_id)
        if session is None:
            raise SessionClosed(visit_id)
        return await session.add_monitor(monitor_id, sdp)

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None:
        session = self.relay.get(visit_id)
        if session is not None:
            await session.remove_monitor(monitor_id)

    async def stats(self, visit_id: int) -> dict[str, Any]:
        session = self.relay.get(visit_id)
        if session is None:
            raise SessionClosed(visit_id)
        return session.stats()

    async def close_all(self) -> None:
        await self.relay.close_all()


@dataclass
class WorkerLoad:
    pid: int
    sessions: int
    cpu: float
    rss_mb: float


class WorkerRelay:
    def __init__(self, bus: Bus, bus_path: Path, workers: int, node: str = "server",
                 turn: TurnSettings | None = None) -> None:
        self._bus = bus
        self._turn = turn or TurnSettings()
        self._bus_path = bus_path
        self._count = workers
        self._reply_topic = f"relay-reply:{node}"
        self.loads: dict[str, WorkerLoad] = {}
        self._procs: list[asyncio.subprocess.Process] = []
        self._pinned: dict[int, str] = {}
        self._callbacks: dict[int, LegStateCallback] = {}
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._subscriptions: list[Subscription] = []
        self._all_ready = asyncio.Event()
        self._watchers: list[asyncio.Task[None]] = []
        self._closing = False

    async def start(self, ready_within: float = 60.0) -> None:
        self._subscriptions = [
            self._bus.subscribe("relay-load", self._on_load),
            self._bus.subscribe("relay-events", self._on_event),
            self._bus.subscribe(self._reply_topic, self._on_reply),
        ]
        for n in range(self._count):
            self._procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "media.worker", "--bus", str(self._bus_path),
                "--worker", f"w{n}", env=self._worker_env(),
            ))
        self._watchers = [asyncio.create_task(self._watch(f"w{n}", proc))
                          for n, proc in enumerate(self._procs)]
        await asyncio.wait_for(self._all_ready.wait(), ready_within)
        log.info("relay: %d worker processes ready", self._count)

    def _worker_env(self) -> dict[str, str]:
        """The TURN settings travel in the environment: a secret on the command line would show
        in every process listing."""
        return {**os.environ, "SAMBANG_TURN_URLS": ",".join(self._turn.urls),
                "SAMBANG_TURN_SECRET": self._turn.secret}

    async def _watch(self, worker: str, proc: asyncio.subprocess.Process) -> None:
        """A worker that dies takes its visits' media with it: say so for each leg."""
        code = await proc.wait()
        if self._closing:
            return
        log.error("relay worker %s exited with %s", worker, code)
        for visit_id, pinned in list(self._pinned.items()):
            callback = self._callbacks.get(visit_id)
            if pinned == worker and callback is not None:
                callback("family", "failed")
                callback("station", "failed")

    async def _on_load(self, msg: dict[str, Any]) -> None:
        self.loads[str(msg["worker"])] = WorkerLoad(int(msg["pid"]), int(msg["sessions"]),
                                                    float(msg["cpu"]), float(msg["rss_mb"]))
        if len(self.loads) >= self._count:
            self._all_ready.set()

    async def _on_event(self, msg: dict[str, Any]) -> None:
        callback = self._callbacks.get(int(msg["visit"]))
        if callback is not None:
            callback(str(msg["side"]), str(msg["state"]))

    async def _on_reply(self, msg: dict[str, Any]) -> None:
        future = self._pending.pop(int(msg.get("id") or 0), None)
        if future is not None and not future.done():
            future.set_result(msg)

    async def _call(self, worker: str, msg: dict[str, Any]) -> dict[str, Any]:
        if not self._alive(worker):  # its visits' media is gone; answer now, do not wait
            raise SessionClosed(msg.get("visit"))
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        await self._bus.publish(f"relay:{worker}",
                                {**msg, "id": request_id, "reply_to": self._reply_topic})
        try:
            reply: dict[str, Any] = await asyncio.wait_for(future, CALL_TIMEOUT)
        finally:
            self._pending.pop(request_id, None)
        if not reply.get("ok"):
            if reply.get("error") == "sdp":
                raise SdpError(str(reply.get("detail", "")))
            raise SessionClosed(msg.get("visit"))
        return reply

    def _alive(self, worker: str) -> bool:
        index = int(worker.lstrip("w"))
        return index < len(self._procs) and self._procs[index].returncode is None

    def least_loaded(self) -> str:
        alive = [w for w in sorted(self.loads) if self._alive(w)]
        if not alive:
            raise RuntimeError("no relay worker is running")
        return min(alive, key=lambda w: (self.loads[w].sessions, self.loads[w].cpu))

    def worker_of(self, visit_id: int) -> str | None:
        return self._pinned.get(visit_id)

    async def open(self, visit_id: int, on_leg_state: LegStateCallback,
                   mode: str = "relay") -> None:
        worker = self.least_loaded()
        self._pinned[visit_id] = worker
        self.loads[worker].sessions += 1  # counted now; the next report corrects it
        self._callbacks[visit_id] = on_leg_state
        await self._call(worker, {"op": "open", "visit": visit_id, "mode": mode})

    async def answer(self, visit_id: int, side: str, sdp: str) -> tuple[str, str]:
        worker = self._pinned.get(visit_id)
        if worker is None:
            raise SessionClosed(visit_id)
        reply = await self._call(worker, {"op": "answer", "visit": visit_id, "side": side,
                                          "sdp": sdp})
        return str(reply["sdp"]), str(reply["media_mode"])

    async def close(self, visit_id: int) -> list[dict[str, Any]]:
        worker = self._pinned.pop(visit_id, None)
        self._callbacks.pop(visit_id, None)
        if worker is None:
            return []
        reply = await self._call(worker, {"op": "close", "visit": visit_id})
        return list(reply.get("files", []))

    async def make_private(self, visit_id: int) -> None:
        worker = self._pinned.get(visit_id)
        if worker is not None:
            await self._call(worker, {"op": "private", "visit": visit_id})

    async def record(self, visit_id: int, directory: str, prefix: str) -> None:
        worker = self._pinned.get(visit_id)
        if worker is None:
            raise SessionClosed(visit_id)
        await self._call(worker, {"op": "record", "visit": visit_id, "directory": directory,
                                  "prefix": prefix})

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        worker = self._pinned.get(visit_id)
        if worker is None:
            raise SessionClosed(visit_id)
        reply = await self._call(worker, {"op": "monitor", "visit": visit_id,
                                          "monitor": monitor_id, "sdp": sdp})
        return str(reply["sdp"])

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None:
        worker = self._pinned.get(visit_id)
        if worker is not None:
            await self._call(worker, {"op": "unmonitor", "visit": visit_id,
                                      "monitor": monitor_id})

    async def stats(self, visit_id: int) -> dict[str, Any]:
        worker = self._pinned.get(visit_id)
        if worker is None:
            raise SessionClosed(visit_id)
        reply = await self._call(worker, {"op": "stats", "visit": visit_id})
        return dict(reply["stats"])

    async def close_all(self) -> None:
        self._closing = True
        for visit_id in list(self._pinned):
            with contextlib.suppress(Exception):
                await self.close(visit_id)
        for subscription in self._subscriptions:
            subscription.cancel()
        for proc in self._procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in self._procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
        for watcher in self._watchers:
            watcher.cancel()
