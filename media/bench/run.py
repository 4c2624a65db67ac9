"""The benchmark's runs: the real relay (its worker processes on the machine's bus, as in
`sambang serve`) on cores of its own, the synthetic peers in this process on the others, so that
what is measured is the relay and not its load. Relay CPU and memory are read from /proc."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from media.bench.fixtures import encode_audio, encode_video, packetise
from media.bench.peers import LoadMonitor, LoadPeer, Media, Pacer
from media.pool import WorkerRelay
from signaling.bus.unix_socket import BusBroker

SETUP_BATCH = 8  # visits connected at once: more and ICE checks time out on a busy core


@dataclass
class Step:
    mode: str
    visits: int
    seconds: float
    relay_cpu_per_s: float
    rss_mb: float
    fps: list[float]
    audio_pps: list[float]
    latency_ms: list[float]
    packets_per_s: float  # forwarded packets that reached the peers
    peers_cpu_per_s: float = 0.0

    @property
    def cpu_per_visit(self) -> float:
        return self.relay_cpu_per_s / self.visits

    @property
    def mean_fps(self) -> float:
        return statistics.fmean(self.fps) if self.fps else 0.0

    @property
    def us_per_packet(self) -> float | None:
        if self.packets_per_s <= 0 or self.mode == "direct":
            return None
        return self.relay_cpu_per_s / self.packets_per_s * 1e6

    def latency(self, q: float) -> float | None:
        if len(self.latency_ms) < 2:
            return None
        return statistics.quantiles(self.latency_ms, n=100)[int(q) - 1]


def proc_usage(pids: list[int]) -> tuple[float, float]:
    """CPU-seconds used so far and resident MB, summed over processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = rss = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / ticks
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1]) / 1024
    return cpu, rss


def split_cores() -> tuple[set[int], set[int]]:
    """The relay's cores and the peers': half each, the relay's first (one each on two)."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return set(cores), set(cores)
    half = len(cores) // 2
    return set(cores[:half]), set(cores[half:])


@dataclass
class Bench:
    seconds: float
    warmup: float
    workers: int
    relay_cores: set[int]
    peer_cores: set[int]
    broker: BusBroker | None = None
    relay: WorkerRelay | None = None
    pacer: Pacer = field(default_factory=Pacer)
    _next_visit: int = 1

    def __post_init__(self) -> None:
        video, audio = encode_video(), encode_audio()
        self.video = Media.of(video, packetise(video, "VP8"))
        self.audio = Media.of(audio, packetise(audio, "opus"))

    async def __aenter__(self) -> Bench:
        # The workers' log lines (a leg connected, closed) would bury the table.
        os.environ.setdefault("SAMBANG_LOG_LEVEL", "WARNING")
        self.broker = BusBroker(Path(tempfile.mkdtemp(prefix="sambang-bench-")) / "bus.sock")
        await self.broker.start()
        # No capacity and no silence limit: the benchmark loads workers past what they sustain.
        self.relay = WorkerRelay(self.broker, self.broker.path, self.workers, node="bench",
                                 silent_seconds=None)
        await self.relay.start()
        for pid in self._pids():
            os.sched_setaffinity(pid, self.relay_cores)
        os.sched_setaffinity(0, self.peer_cores)
        self.pacer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.pacer.stop()
        if self.relay is not None:
            await self.relay.close_all()
        if self.broker is not None:
            await self.broker.close()
            self.broker.path.parent.rmdir()

    def _pids(self) -> list[int]:
        assert self.relay is not None
        return [load.pid for load in self.relay.loads.values()]

    def _peer(self) -> LoadPeer:
        return LoadPeer(self.pacer, self.video, self.audio)

    async def _pair_via_relay(self, mode: str) -> tuple[int, list[LoadPeer]]:
        assert self.relay is not None
        visit = self._next_visit
        self._next_visit += 1
        await self.relay.open(visit, lambda side, state: None,
                              mode="baseline" if mode == "transcode" else "relay")
        family, station = self._peer(), self._peer()
        family.counterpart, station.counterpart = station, family
        for side, peer in (("family", family), ("station", station)):
            answer, _ = await self.relay.answer(visit, side, await peer.offer())
            await peer.accept(answer)
        return visit, [family, station]

    async def _direct_pair(self) -> list[LoadPeer]:
        a, b = self._peer(), self._peer()
        a.counterpart, b.counterpart = b, a
        await a.accept(await b.answer(await a.offer()))
        return [a, b]

    async def _cpu_over(self, seconds: float) -> tuple[float, float]:
        """Relay and peers' CPU-seconds per second over the next `seconds`."""
        relay_before, _ = proc_usage(self._pids())
        peers_before, _ = proc_usage([os.getpid()])
        started = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        return ((proc_usage(self._pids())[0] - relay_before) / elapsed,
                (proc_usage([os.getpid()])[0] - peers_before) / elapsed)

    async def monitor_cost(self, monitors: int) -> tuple[float, float]:
        """Relay CPU-seconds per second that each monitor adds to one visit, and the frames per
        second each monitor received per stream."""
        assert self.relay is not None
        visit, peers = await self._pair_via_relay("forward")
        watchers: list[LoadMonitor] = []
        try:
            await asyncio.sleep(self.warmup)
            alone, _ = await self._cpu_over(self.seconds)
            for n in range(monitors):
                watcher = LoadMonitor()
                answer = await self.relay.monitor(visit, f"bench-{n}", await watcher.offer())
                await watcher.accept(answer)
                watchers.append(watcher)
            # The replayed loop has a keyframe every 3 s and cannot make one on request.
            await asyncio.sleep(max(self.warmup, 3.5))
            frames_before = sum(w.video_frames for w in watchers)
            watched, _ = await self._cpu_over(self.seconds)
            fps = (sum(w.video_frames for w in watchers) - frames_before) / self.seconds
        finally:
            for watcher in watchers:
                await watcher.pc.close()
            await asyncio.gather(*(p.close() for p in peers))
            await self.relay.close(visit)
        return (watched - alone) / monitors, fps / monitors / 2

    async def step(self, mode: str, visits: int) -> Step:
        assert self.relay is not None
        await asyncio.sleep(0.5)
        _, idle_rss = proc_usage(self._pids())
        peers: list[LoadPeer] = []
        opened: list[int] = []
        try:
            for first in range(0, visits, SETUP_BATCH):
                count = min(SETUP_BATCH, visits - first)
                if mode == "direct":
                    for pair in await asyncio.gather(*(self._direct_pair()
                                                       for _ in range(count))):
                        peers += pair
                else:
                    pairs = await asyncio.gather(
                        *(self._pair_via_relay(mode) for _ in range(count)))
                    opened += [visit for visit, _ in pairs]
                    peers += [p for _, pair in pairs for p in pair]
            await asyncio.sleep(self.warmup)
            for peer in peers:
                peer.reset()
            started = time.monotonic()
            relay_cpu, peers_cpu = await self._cpu_over(self.seconds)
            elapsed = time.monotonic() - started
            _, rss = proc_usage(self._pids())
            received = [p.received for p in peers]
        finally:
            await asyncio.gather(*(p.close() for p in peers))
            for visit in opened:
                await self.relay.close(visit)
        return Step(
            mode=mode, visits=visits, seconds=elapsed,
            relay_cpu_per_s=0.0 if mode == "direct" else relay_cpu, rss_mb=rss - idle_rss,
            fps=[r.video_frames / elapsed for r in received],
            audio_pps=[r.audio_packets / elapsed for r in received],
            latency_ms=[x for r in received for x in r.latency_ms],
            packets_per_s=sum(r.packets for r in received) / elapsed,
            peers_cpu_per_s=peers_cpu,
        )
