"""How the signaling side reaches the relay (it implements signaling.ports.RelayClient):
`LocalRelay` runs the sessions in this process, `WorkerRelay` runs them in worker processes (one
per core by default), each visit placed on the least-loaded worker with room and reached through
the bus. A worker that dies is started again (media.workers); its visits' legs are reported
"failed", and the pages' fresh offers open the visit again on a live worker."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from media.relay import Relay
from media.workers import SILENT_SECONDS, WorkerLoad, WorkerProcesses
from signaling.bus.base import Bus, Subscription
from signaling.ports import LegStateCallback, RelayRoom, SdpError, SessionClosed
from signaling.turn import TurnSettings

log = logging.getLogger(__name__)

CALL_TIMEOUT = 15.0
# How long a page's offer waits for a worker when every worker is being started again.
REPLACE_WAIT = 10.0


class LocalRelay:
    def __init__(self, turn: TurnSettings | None = None) -> None:
        self.relay = Relay(turn)

    def reserve(self, visit_id: int) -> bool:
        return True  # the server's own process: no count of its own to keep

    def room(self) -> RelayRoom:
        return RelayRoom(workers=1, capacity=None, visits=self.relay.count())

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
class Placement:
    """Where a visit's relay session lives, and what to set up again if that worker dies."""

    worker: str | None
    mode: str = "relay"
    on_leg_state: LegStateCallback | None = None
    opened: bool = False  # a session exists on `worker`
    recording: tuple[str, str] | None = None  # (directory, prefix)
    private: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class WorkerRelay:
    """`capacity`: visits one worker takes (None: no limit, for the benchmark)."""

    def __init__(self, bus: Bus, bus_path: Path, workers: int, node: str = "server",
                 capacity: int | None = None,
                 silent_seconds: float | None = SILENT_SECONDS,
                 turn: TurnSettings | None = None) -> None:
        self._bus = bus
        self._count = workers
        self.capacity = capacity
        self._reply_topic = f"relay-reply:{node}"
        turn = turn or TurnSettings()
        # The TURN settings travel in the environment: a secret on the command line would show
        # in every process listing.
        env = {**os.environ, "SAMBANG_TURN_URLS": ",".join(turn.urls),
               "SAMBANG_TURN_SECRET": turn.secret}
        self.processes = WorkerProcesses(bus_path, workers, self._worker_died, silent_seconds,
                                         env)
        self._placed: dict[int, Placement] = {}
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._asked: dict[int, str] = {}  # request id -> the worker asked
        self._ids = itertools.count(1)
        self._subscriptions: list[Subscription] = []

    @property
    def loads(self) -> dict[str, WorkerLoad]:
        return self.processes.loads

    async def start(self, ready_within: float = 60.0) -> None:
        self._subscriptions = [
            self._bus.subscribe("relay-load", self._on_load),
            self._bus.subscribe("relay-events", self._on_event),
            self._bus.subscribe(self._reply_topic, self._on_reply),
        ]
        await self.processes.start(ready_within)
        log.info("relay: %d worker processes ready", self._count)

    def _worker_died(self, worker: str) -> None:
        """Its sessions are gone: each visit on it is placed again at the next page's offer,
        and both legs are told now, so the pages offer again."""
        for visit_id, placement in list(self._placed.items()):
            if placement.worker != worker:
                continue
            placement.worker, placement.opened = None, False
            callback = placement.on_leg_state
            if callback is not None:
                log.warning("visit %s: its relay worker %s died", visit_id, worker)
                callback("family", "failed")
                callback("station", "failed")
        # Calls in flight get no reply from a dead worker: fail them now, not at the timeout.
        for request_id, future in list(self._pending.items()):
            if not future.done() and self._asked.get(request_id) == worker:
                future.set_result({"ok": False, "error": "closed"})

    async def _on_load(self, msg: dict[str, Any]) -> None:
        self.processes.on_load(msg)

    async def _on_event(self, msg: dict[str, Any]) -> None:
        placement = self._placed.get(int(msg["visit"]))
        if placement is not None and placement.worker == msg.get("worker") and \
                placement.on_leg_state is not None:
            placement.on_leg_state(str(msg["side"]), str(msg["state"]))

    async def _on_reply(self, msg: dict[str, Any]) -> None:
        future = self._pending.pop(int(msg.get("id") or 0), None)
        if future is not None and not future.done():
            future.set_result(msg)

    async def _call(self, worker: str, msg: dict[str, Any]) -> dict[str, Any]:
        if not self.processes.alive(worker):  # its visits' media is gone; answer now
            raise SessionClosed(msg.get("visit"))
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._asked[request_id] = worker
        await self._bus.publish(f"relay:{worker}",
                                {**msg, "id": request_id, "reply_to": self._reply_topic})
        try:
            reply: dict[str, Any] = await asyncio.wait_for(future, CALL_TIMEOUT)
        finally:
            self._pending.pop(request_id, None)
            self._asked.pop(request_id, None)
        if not reply.get("ok"):
            if reply.get("error") == "sdp":
                raise SdpError(str(reply.get("detail", "")))
            raise SessionClosed(msg.get("visit"))
        return reply

    # Placement ------------------------------------------------------------------------------

    def _visits_on(self, worker: str) -> int:
        return sum(1 for p in self._placed.values() if p.worker == worker)

    def _pick(self, within_capacity: bool) -> str | None:
        alive = self.processes.alive_names()
        if within_capacity and self.capacity is not None:
            alive = [w for w in alive if self._visits_on(w) < self.capacity]
        if not alive:
            return None
        return min(alive, key=lambda w: (self._visits_on(w), self.loads[w].cpu))

    def room(self) -> RelayRoom:
        alive = self.processes.alive_names()
        return RelayRoom(workers=len(alive),
                         capacity=None if self.capacity is None else self.capacity * len(alive),
                         visits=len(self._placed))

    def reserve(self, visit_id: int) -> bool:
        """Hold a place for a visit about to start: False when no running worker has room.
        Synchronous, so two starts at once cannot both take the last place."""
        if visit_id in self._placed:
            return True
        if self.room().full:
            return False  # visits waiting to be placed again count too
        worker = self._pick(within_capacity=True)
        if worker is None:
            return False
        self._placed[visit_id] = Placement(worker)
        return True

    def worker_of(self, visit_id: int) -> str | None:
        placement = self._placed.get(visit_id)
        return placement.worker if placement else None

    async def _session_worker(self, visit_id: int) -> str:
        """The worker holding the visit's session, set up again on a live worker if the one it
        was on died (a visit already live is taken beyond capacity rather than dropped)."""
        placement = self._placed.get(visit_id)
        if placement is None:
            raise SessionClosed(visit_id)
        async with placement.lock:
            if placement.opened and placement.worker and self.processes.alive(placement.worker):
                return placement.worker
            worker = placement.worker  # held by `reserve`, not opened yet
            if worker is None or not self.processes.alive(worker):
                worker = self._pick(within_capacity=True) or self._pick(within_capacity=False)
            if worker is None and await self.processes.wait_alive(REPLACE_WAIT):
                worker = self._pick(within_capacity=False)
            if worker is None or self._placed.get(visit_id) is not placement:
                raise SessionClosed(visit_id)
            placement.worker = worker
            await self._call(worker, {"op": "open", "visit": visit_id, "mode": placement.mode})
            placement.opened = True
            if placement.recording is not None and not placement.private:
                directory, prefix = placement.recording
                await self._call(worker, {"op": "record", "visit": visit_id,
                                          "directory": directory, "prefix": prefix})
            return worker

    # RelayClient ----------------------------------------------------------------------------

    async def open(self, visit_id: int, on_leg_state: LegStateCallback,
                   mode: str = "relay") -> None:
        if not self.reserve(visit_id):
            raise SessionClosed(visit_id)
        placement = self._placed[visit_id]
        placement.on_leg_state, placement.mode = on_leg_state, mode
        await self._session_worker(visit_id)

    async def answer(self, visit_id: int, side: str, sdp: str) -> tuple[str, str]:
        worker = await self._session_worker(visit_id)
        reply = await self._call(worker, {"op": "answer", "visit": visit_id, "side": side,
                                          "sdp": sdp})
        return str(reply["sdp"]), str(reply["media_mode"])

    async def close(self, visit_id: int) -> list[dict[str, Any]]:
        placement = self._placed.pop(visit_id, None)
        if placement is None or not placement.opened or placement.worker is None:
            return []  # never opened, or its worker died with it
        reply = await self._call(placement.worker, {"op": "close", "visit": visit_id})
        return list(reply.get("files", []))

    async def make_private(self, visit_id: int) -> None:
        placement = self._placed.get(visit_id)
        if placement is None:
            return
        placement.private = True
        if placement.opened and placement.worker is not None:
            await self._call(placement.worker, {"op": "private", "visit": visit_id})

    async def record(self, visit_id: int, directory: str, prefix: str) -> None:
        placement = self._placed.get(visit_id)
        if placement is None:
            raise SessionClosed(visit_id)
        placement.recording = (directory, prefix)
        worker = await self._session_worker(visit_id)
        await self._call(worker, {"op": "record", "visit": visit_id, "directory": directory,
                                  "prefix": prefix})

    async def monitor(self, visit_id: int, monitor_id: str, sdp: str) -> str:
        worker = await self._session_worker(visit_id)
        reply = await self._call(worker, {"op": "monitor", "visit": visit_id,
                                          "monitor": monitor_id, "sdp": sdp})
        return str(reply["sdp"])

    async def unmonitor(self, visit_id: int, monitor_id: str) -> None:
        placement = self._placed.get(visit_id)
        if placement is not None and placement.opened and placement.worker is not None:
            await self._call(placement.worker, {"op": "unmonitor", "visit": visit_id,
                                                "monitor": monitor_id})

    async def stats(self, visit_id: int) -> dict[str, Any]:
        worker = await self._session_worker(visit_id)
        reply = await self._call(worker, {"op": "stats", "visit": visit_id})
        return dict(reply["stats"])

    async def close_all(self) -> None:
        for visit_id in list(self._placed):
            with contextlib.suppress(Exception):
                await self.close(visit_id)
        for subscription in self._subscriptions:
            subscription.cancel()
        await self.processes.close()
