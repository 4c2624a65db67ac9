"""The relay's worker processes, kept running: each started, watched, and started again when it
dies or stops reporting. What the visits on a dead worker need is the pool's business
(`media.pool.WorkerRelay`); this module only knows processes and their load reports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# A worker reports its load every second (media.worker.LOAD_INTERVAL). One silent this long is
# hung (stopped, stuck in a loop): it is killed, and replaced like a worker that died.
SILENT_SECONDS = 4.0
# A worker that dies at once again and again (a broken install) is not restarted in a tight
# loop: the delay doubles up to this, and starts again from nothing once one lives a minute.
MAX_RESTART_DELAY = 30.0
STEADY_SECONDS = 60.0


@dataclass
class WorkerLoad:
    pid: int
    sessions: int
    cpu: float
    rss_mb: float
    at: float = 0.0  # monotonic time of the report


class WorkerProcesses:
    """`count` worker processes named w0, w1, ...; `on_death(name)` is called once per death,
    after which the worker is started again."""

    def __init__(self, bus_path: Path, count: int, on_death: Callable[[str], None],
                 silent_seconds: float | None = SILENT_SECONDS,
                 env: dict[str, str] | None = None) -> None:
        self._bus_path = bus_path
        self._env = env
        # None: never killed for silence (the benchmark overloads workers on purpose).
        self._silent_seconds = silent_seconds
        self.names = [f"w{n}" for n in range(count)]
        self._on_death = on_death
        self._procs: dict[str, asyncio.subprocess.Process] = {}
        self.loads: dict[str, WorkerLoad] = {}
        self._started_at: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()  # set whenever some worker is alive
        self._closing = False
        self.restarts = 0

    async def start(self, ready_within: float) -> None:
        for name in self.names:
            await self._spawn(name)
        if self._silent_seconds is not None:
            self._tasks.append(asyncio.create_task(self._check_silence(self._silent_seconds)))
        deadline = time.monotonic() + ready_within
        while not all(self.alive(name) for name in self.names):
            if time.monotonic() > deadline:
                raise TimeoutError("relay workers did not report within "
                                   f"{ready_within:.0f} s")
            await asyncio.sleep(0.05)

    async def _spawn(self, name: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "media.worker", "--bus", str(self._bus_path), "--worker", name,
            env=self._env)
        self._procs[name] = proc
        self._started_at[name] = time.monotonic()
        self._tasks.append(asyncio.create_task(self._watch(name, proc)))

    def on_load(self, msg: dict[str, Any]) -> None:
        name = str(msg["worker"])
        proc = self._procs.get(name)
        if proc is None or proc.pid != int(msg["pid"]):
            return  # a report from a process already replaced
        self.loads[name] = WorkerLoad(int(msg["pid"]), int(msg["sessions"]), float(msg["cpu"]),
                                      float(msg["rss_mb"]), time.monotonic())
        self._ready.set()

    def alive(self, name: str) -> bool:
        """Running and heard from: a worker that has not reported yet takes no visit."""
        proc = self._procs.get(name)
        load = self.loads.get(name)
        return (proc is not None and proc.returncode is None and load is not None
                and load.pid == proc.pid)

    def alive_names(self) -> list[str]:
        return [name for name in self.names if self.alive(name)]

    async def wait_alive(self, within: float) -> bool:
        deadline = time.monotonic() + within
        while not self.alive_names():
            self._ready.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), min(left, 0.5))
        return True

    async def _watch(self, name: str, proc: asyncio.subprocess.Process) -> None:
        code = await proc.wait()
        if self._closing or self._procs.get(name) is not proc:
            return
        self.loads.pop(name, None)
        log.error("relay worker %s (pid %s) exited with %s; starting it again", name, proc.pid,
                  code)
        self._on_death(name)
        lived = time.monotonic() - self._started_at.get(name, 0.0)
        delay = 0.0 if lived > STEADY_SECONDS else min(
            MAX_RESTART_DELAY, max(0.5, self._delay.get(name, 0.0) * 2))
        self._delay[name] = delay
        if delay:
            await asyncio.sleep(delay)
        if not self._closing:
            self.restarts += 1
            await self._spawn(name)

    async def _check_silence(self, limit: float) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for name, proc in list(self._procs.items()):
                load = self.loads.get(name)
                heard = load.at if load is not None and load.pid == proc.pid else (
                    self._started_at[name] + 30.0)  # time to import aiortc and connect
                if proc.returncode is None and now - heard > limit:
                    log.error("relay worker %s (pid %s) silent for %.0f s: killing it", name,
                              proc.pid, now - heard)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(proc.pid, signal.SIGKILL)  # _watch replaces it

    async def close(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        procs = list(self._procs.values())
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
