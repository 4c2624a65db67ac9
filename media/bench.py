"""`sambang bench relay`: what one relay process costs per visit when it forwards encoded frames,
against aiortc's MediaRelay transcoding baseline and a direct peer-to-peer pair, all in one run.

The relay runs as it does in `sambang serve`: worker processes on the machine's bus, whose CPU and
memory are measured from /proc; the
synthetic peers replay pre-encoded VP8 640x480@30 (~1 Mb/s) and Opus and never decode, and they
recognise every arriving frame by its bytes to measure latency.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from media import aiortc_hook as hook
from media.bench_fixtures import Loop, LoopTrack, digest, encode_audio, encode_video
from media.pool import WorkerRelay
from signaling.bus.unix_socket import BusBroker


@dataclass
class Received:
    video: list[float] = field(default_factory=list)  # arrival times
    audio: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)


class BenchPeer:
    """One side of a synthetic visit: sends the loops, counts and times what arrives."""

    def __init__(self, video: Loop, audio: Loop) -> None:
        self.pc = RTCPeerConnection()
        self.tracks = {"video": LoopTrack("video", video), "audio": LoopTrack("audio", audio)}
        self.loops = {"video": video, "audio": audio}
        self.received = Received()
        self.counterpart: BenchPeer | None = None
        for kind in ("audio", "video"):
            sender = self.pc.addTrack(self.tracks[kind])
            if kind == "video":
                vp8 = [c for c in RTCRtpSender.getCapabilities("video").codecs
                       if c.mimeType in ("video/VP8", "video/rtx")]
                for t in self.pc.getTransceivers():
                    if t.sender is sender:
                        t.setCodecPreferences(vp8)

        hook.forward_all_encoded(self.pc, self._on_frame)

    def _on_frame(self, codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
        now = time.monotonic()
        kind = codec.mimeType.split("/")[0]
        (self.received.video if kind == "video" else self.received.audio).append(now)
        if kind == "video" and self.counterpart is not None:
            index = self.loops["video"].index_of.get(digest(frame.data))
            sent = self.counterpart.tracks["video"].sent_at.get(index) if index is not None \
                else None
            if sent is not None:
                self.received.latency_ms.append((now - sent) * 1000)

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    def reset(self) -> None:
        self.received = Received()

    async def close(self) -> None:
        await self.pc.close()


class BenchMonitor:
    """A silent viewer of both sides; counts what arrives, never decodes."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.video_frames = 0
        for kind in ("audio", "video", "audio", "video"):
            self.pc.addTransceiver(kind, direction="recvonly")

        hook.forward_all_encoded(self.pc, self._on_frame)

    def _on_frame(self, codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
        if codec.mimeType.startswith("video"):
            self.video_frames += 1


@dataclass
class Step:
    mode: str
    visits: int
    relay_cpu_per_s: float
    rss_mb: float
    fps: list[float]
    audio_pps: list[float]
    latency_ms: list[float]
    peers_cpu_per_s: float = 0.0  # this process: the synthetic peers' own cost

    @property
    def cpu_per_visit(self) -> float:
        return self.relay_cpu_per_s / self.visits

    @property
    def mean_fps(self) -> float:
        return statistics.fmean(self.fps) if self.fps else 0.0

    def latency(self, q: float) -> float | None:
        if len(self.latency_ms) < 2:
            return None
        return statistics.quantiles(self.latency_ms, n=100)[int(q) - 1]


def _proc_usage(pids: list[int]) -> tuple[float, float]:
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


class Bench:
    """The real relay (its worker processes on the machine's bus) and synthetic peers here."""

    def __init__(self, seconds: float, warmup: float, workers: int) -> None:
        self.seconds = seconds
        self.warmup = warmup
        self.workers = workers
        self.video = encode_video()
        self.audio = encode_audio()
        self.broker: BusBroker | None = None
        self.relay: WorkerRelay | None = None
        self._next_visit = 1

    async def __aenter__(self) -> Bench:
        self.broker = BusBroker(Path(tempfile.mkdtemp(prefix="sambang-bench-")) / "bus.sock")
        await self.broker.start()
        self.relay = WorkerRelay(self.broker, self.broker.path, self.workers, node="bench")
        await self.relay.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.relay is not None:
            await self.relay.close_all()
        if self.broker is not None:
            await self.broker.close()
            self.broker.path.parent.rmdir()

    def _pids(self) -> list[int]:
        assert self.relay is not None
        return [load.pid for load in self.relay.loads.values()]

    async def _pair_via_relay(self, mode: str) -> tuple[int, list[BenchPeer]]:
        assert self.relay is not None
        visit = self._next_visit
        self._next_visit += 1
        await self.relay.open(visit, lambda side, state: None,
                              mode="baseline" if mode == "transcode" else "relay")
        family, station = BenchPeer(self.video, self.audio), BenchPeer(self.video, self.audio)
        family.counterpart, station.counterpart = station, family
        for side, peer in (("family", family), ("station", station)):
            answer, _ = await self.relay.answer(visit, side, await peer.offer())
            await peer.accept(answer)
        return visit, [family, station]

    async def _direct_pair(self) -> list[BenchPeer]:
        a, b = BenchPeer(self.video, self.audio), BenchPeer(self.video, self.audio)
        a.counterpart, b.counterpart = b, a
        offer = await a.offer()
        await b.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await b.pc.setLocalDescription(await b.pc.createAnswer())
        await a.accept(b.pc.localDescription.sdp)
        return [a, b]

    async def monitor_cost(self, monitors: int) -> tuple[float, float]:
        """Relay CPU-seconds per second that each monitor adds to one visit, and the frames per
        second each monitor received."""
        assert self.relay is not None
        visit, peers = await self._pair_via_relay("forward")
        watchers: list[BenchMonitor] = []
        try:
            await asyncio.sleep(self.warmup)
            before, _ = _proc_usage(self._pids())
            await asyncio.sleep(self.seconds)
            alone = (_proc_usage(self._pids())[0] - before) / self.seconds
            for n in range(monitors):
                watcher = BenchMonitor()
                await watcher.pc.setLocalDescription(await watcher.pc.createOffer())
                answer = await self.relay.monitor(visit, f"bench-{n}",
                                                  watcher.pc.localDescription.sdp)
                await watcher.pc.setRemoteDescription(
                    RTCSessionDescription(sdp=answer, type="answer"))
                watchers.append(watcher)
            # The replayed loop has a keyframe every 3 s and cannot make one on request.
            await asyncio.sleep(max(self.warmup, 3.5))
            before, _ = _proc_usage(self._pids())
            frames_before = sum(w.video_frames for w in watchers)
            await asyncio.sleep(self.seconds)
            watched = (_proc_usage(self._pids())[0] - before) / self.seconds
            fps = (sum(w.video_frames for w in watchers) - frames_before) / self.seconds
        finally:
            for watcher in watchers:
                await watcher.pc.close()
            await asyncio.gather(*(p.close() for p in peers))
            await self.relay.close(visit)
        # Each monitor receives both sides: fps is per monitor, over its two video streams.
        return (watched - alone) / monitors, fps / monitors / 2

    async def step(self, mode: str, visits: int) -> Step:
        assert self.relay is not None
        await asyncio.sleep(0.3)
        _, idle_rss = _proc_usage(self._pids())
        peers: list[BenchPeer] = []
        opened: list[int] = []
        try:
            if mode == "direct":
                for _ in range(visits):
                    peers += await self._direct_pair()
            else:
                pairs = await asyncio.gather(
                    *(self._pair_via_relay(mode) for _ in range(visits)))
                opened = [visit for visit, _ in pairs]
                peers = [p for _, pair in pairs for p in pair]
            await asyncio.sleep(self.warmup)
            for peer in peers:
                peer.reset()
            cpu_before, _ = _proc_usage(self._pids())
            peers_before = _proc_usage([os.getpid()])[0]
            started = time.monotonic()
            await asyncio.sleep(self.seconds)
            cpu_after, rss = _proc_usage(self._pids())
            peers_after = _proc_usage([os.getpid()])[0]
            elapsed = time.monotonic() - started
            received = [p.received for p in peers]
        finally:
            await asyncio.gather(*(p.close() for p in peers))
            for visit in opened:
                await self.relay.close(visit)
        relay_cpu = 0.0 if mode == "direct" else (cpu_after - cpu_before) / elapsed
        return Step(
            mode=mode, visits=visits, relay_cpu_per_s=relay_cpu, rss_mb=rss - idle_rss,
            fps=[len(r.video) / elapsed for r in received],
            audio_pps=[len(r.audio) / elapsed for r in received],
            latency_ms=[x for r in received for x in r.latency_ms],
            peers_cpu_per_s=(peers_after - peers_before) / elapsed,
        )


def _row(step: Step) -> str:
    p50, p95 = step.latency(50), step.latency(95)
    lat = f"{p50:6.1f} {p95:6.1f}" if p50 is not None and p95 is not None else "     -      -"
    return (f"{step.mode:<10} {step.visits:>6} {step.relay_cpu_per_s:8.3f} "
            f"{step.cpu_per_visit:8.4f} {step.mean_fps:6.1f} {min(step.fps):6.1f} "
            f"{statistics.fmean(step.audio_pps):6.1f} {lat} {step.rss_mb / step.visits:7.2f} "
            f"{step.peers_cpu_per_s:7.2f}")


def _plot(steps: list[Step], direct_p95: float | None, path: Path) -> None:
    try:  # an extra: a server installation does not carry a plotting library
        import matplotlib
    except ImportError:
        raise SystemExit("sambang bench: the plot needs matplotlib: "
                         "pip install 'sambang[bench]'") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (cpu_ax, lat_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for mode, style in (("forward", "o-"), ("transcode", "s--")):
        xs = [s.visits for s in steps if s.mode == mode]
        cpu_ax.plot(xs, [s.relay_cpu_per_s for s in steps if s.mode == mode], style, label=mode)
    cpu_ax.set_xlabel("concurrent visits")
    cpu_ax.set_ylabel("relay CPU-seconds per second")
    cpu_ax.legend()
    fwd = [s for s in steps if s.mode == "forward" and s.latency(95) is not None]
    lat_ax.plot([s.visits for s in fwd], [s.latency(95) for s in fwd], "o-", label="relay p95")
    if direct_p95 is not None:
        lat_ax.axhline(direct_p95, linestyle=":", label="direct p95")
    lat_ax.set_xlabel("concurrent visits")
    lat_ax.set_ylabel("video latency, ms")
    lat_ax.set_yscale("log")
    lat_ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


async def run(quick: bool, visits: list[int] | None, out: Path, workers: int) -> dict[str, Any]:
    seconds, warmup = (4.0, 2.0) if quick else (10.0, 3.0)
    forward_counts = sorted(set(visits or ([1, 4] if quick else [1, 5, 10, 20, 30, 40])) | {1})
    transcode_counts = [1] if quick else [1, 2]
    steps: list[Step] = []
    print(f"{'mode':<10} {'visits':>6} {'cpu/s':>8} {'cpu/vis':>8} {'fps':>6} {'minfps':>6} "
          f"{'aud/s':>6} {'p50ms':>6} {'p95ms':>6} {'MB/vis':>7} {'peers':>7}", flush=True)
    async with Bench(seconds, warmup, workers) as bench:
        direct = await bench.step("direct", 1)
        print(_row(direct), flush=True)
        # Forwarding first: the baseline's decoders leave memory behind that would hide
        # forwarding's own growth.
        for count in forward_counts:
            steps.append(await bench.step("forward", count))
            print(_row(steps[-1]), flush=True)
        for count in transcode_counts:
            steps.append(await bench.step("transcode", count))
            print(_row(steps[-1]), flush=True)
        monitor_cpu, monitor_fps = await bench.monitor_cost(3)
        print(f"monitor: {monitor_cpu:.4f} relay CPU-s/s each, {monitor_fps:.1f} fps per stream",
              flush=True)
    forward = [s for s in steps if s.mode == "forward"]
    transcode = [s for s in steps if s.mode == "transcode"]
    # The ratio compares the two modes at the same number of visits.
    same = max(n for n in transcode_counts if n in forward_counts)
    fwd_cpu = next(s for s in forward if s.visits == same).cpu_per_visit
    tx_cpu = next(s for s in transcode if s.visits == same).cpu_per_visit
    direct_p95 = direct.latency(95)
    sustained = [s.visits for s in forward if s.mean_fps >= 29.0]
    # Latency counts where the visits were sustained; past that the table shows the collapse.
    relay_p95 = max((s.latency(95) or 0.0) for s in forward
                    if s.visits in sustained or s is forward[0])
    _plot(steps, direct_p95, out / "relay.png")
    return {
        "forward_cpu_per_visit": round(fwd_cpu, 4),
        "transcode_cpu_per_visit": round(tx_cpu, 4),
        "cpu_ratio": round(tx_cpu / fwd_cpu, 1) if fwd_cpu > 0 else None,
        "max_visits_29fps": max(sustained) if sustained else 0,
        "added_latency_ms_p95": round(relay_p95 - direct_p95, 1) if direct_p95 else None,
        # Growth of the workers' resident memory over the largest step, per visit.
        "rss_mb_per_visit": round(forward[-1].rss_mb / forward[-1].visits, 2),
        "monitor_cpu_per_s": round(monitor_cpu, 4),
        "monitor_fps": round(monitor_fps, 1),
        "direct_latency_ms_p95": round(direct_p95, 1) if direct_p95 else None,
        # When this nears 1.0 the benchmark's own peers (one process) are the limit, not the relay.
        "peers_cpu_per_s_at_max": round(forward[-1].peers_cpu_per_s, 2),
        "visits_tried": forward_counts,
        "plot": str(out / "relay.png"),
        "cores": os.cpu_count(),
        "relay_workers": workers,
    }


def main(quick: bool, as_json: bool, visits: list[int] | None, out: Path,
         workers: int | None = None) -> int:
    result = asyncio.run(run(quick, visits, out, workers or os.cpu_count() or 1))
    if as_json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0
