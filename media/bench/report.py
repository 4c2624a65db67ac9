"""`sambang bench relay`: the steps to run, the table printed as they finish, the figures on the
last line (JSON with --json) and the plot (with the `bench` extra: matplotlib)."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
from pathlib import Path
from typing import Any

from media.bench import floor
from media.bench.run import Bench, Step, split_cores

SUSTAINED_FPS = 29.0
COLLAPSED_FPS = 25.0  # past this the table has shown enough: stop adding visits


def _row(step: Step) -> str:
    p50, p95 = step.latency(50), step.latency(95)
    lat = f"{p50:6.1f} {p95:6.1f}" if p50 is not None and p95 is not None else "     -      -"
    us = step.us_per_packet
    return (f"{step.mode:<10} {step.visits:>6} {step.relay_cpu_per_s:8.3f} "
            f"{step.cpu_per_visit:8.4f} {step.mean_fps:6.1f} {min(step.fps):6.1f} "
            f"{statistics.fmean(step.audio_pps):6.1f} {lat} {step.rss_mb / step.visits:7.2f} "
            f"{step.packets_per_s:8.0f} {us if us is not None else 0:6.1f} "
            f"{step.peers_cpu_per_s:7.2f}")


HEADER = (f"{'mode':<10} {'visits':>6} {'cpu/s':>8} {'cpu/vis':>8} {'fps':>6} {'minfps':>6} "
          f"{'aud/s':>6} {'p50ms':>6} {'p95ms':>6} {'MB/vis':>7} {'pkt/s':>8} {'us/pkt':>6} "
          f"{'peers':>7}")


def _plot(steps: list[Step], direct_p95: float | None, path: Path) -> bool:
    try:
        import matplotlib
    except ImportError:  # the optional `bench` extra
        return False
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
    return True


def _r(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


async def run(quick: bool, visits: list[int] | None, out: Path,
              workers: int | None) -> dict[str, Any]:
    seconds, warmup = (4.0, 2.0) if quick else (10.0, 3.0)
    transcode_counts = [1] if quick else [1, 2]
    default = [1, 4] if quick else [1, 2, 10, 25, 40, 50, 60, 70, 80]
    forward_counts = sorted(set(visits or default) | set(transcode_counts))
    relay_cores, peer_cores = split_cores()
    workers = workers or len(relay_cores)
    steps: list[Step] = []
    print(f"relay: {workers} worker(s) on cores {sorted(relay_cores)}; "
          f"peers: this process on cores {sorted(peer_cores)}", flush=True)
    print(HEADER, flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    async with Bench(seconds, warmup, workers, relay_cores, peer_cores) as bench:
        direct = await bench.step("direct", 1)
        print(_row(direct), flush=True)
        for count in forward_counts:
            steps.append(await bench.step("forward", count))
            print(_row(steps[-1]), flush=True)
            if count > max(transcode_counts) and steps[-1].mean_fps < COLLAPSED_FPS:
                break
        for count in transcode_counts:
            steps.append(await bench.step("transcode", count))
            print(_row(steps[-1]), flush=True)
        monitor_cpu, monitor_fps = await bench.monitor_cost(3)
        print(f"monitor: {monitor_cpu:.4f} relay CPU-s/s each, {monitor_fps:.1f} fps per stream",
              flush=True)
    rate = _at_max([s for s in steps if s.mode == "forward"]).packets_per_s
    floor_us = await floor.measure(rate, seconds, relay_cores)
    print(f"floor: a plain asyncio SRTP forwarder at {rate:.0f} packets/s costs "
          f"{floor_us or 0:.1f} us per packet", flush=True)
    plotted = _plot(steps, direct.latency(95), out / "relay.png")
    result = summarise(steps, direct, monitor_cpu, monitor_fps, workers, len(relay_cores),
                       len(peer_cores), str(out / "relay.png") if plotted else None)
    result["floor_us_per_packet"] = _r(floor_us, 1)
    result["loadavg_1m"] = round(os.getloadavg()[0], 1)  # others' work shares the cores
    return result


def _at_max(forward: list[Step]) -> Step:
    sustained = [s for s in forward if s.mean_fps >= SUSTAINED_FPS]
    return max(sustained, key=lambda s: s.visits) if sustained else forward[0]


def summarise(steps: list[Step], direct: Step, monitor_cpu: float, monitor_fps: float,
              workers: int, relay_cores: int, peer_cores: int,
              plot: str | None) -> dict[str, Any]:
    forward = {s.visits: s for s in steps if s.mode == "forward"}
    transcode = {s.visits: s for s in steps if s.mode == "transcode"}
    # Compare at the most visits both modes ran while transcoding still kept up (past that its
    # core is saturated and its cost per visit looks smaller than it is).
    equal = [n for n in transcode if n in forward]
    kept_up = [n for n in equal if transcode[n].mean_fps >= SUSTAINED_FPS]
    same = max(kept_up or equal)
    fwd_cpu, tx_cpu = forward[same].cpu_per_visit, transcode[same].cpu_per_visit
    sustained = [n for n, s in forward.items() if s.mean_fps >= SUSTAINED_FPS]
    at_max = _at_max(sorted(forward.values(), key=lambda s: s.visits))
    direct_p95 = direct.latency(95)
    relay_p95 = at_max.latency(95)
    largest = forward[max(forward)]
    return {
        "forward_cpu_per_visit": round(fwd_cpu, 4),
        "transcode_cpu_per_visit": round(tx_cpu, 4),
        "cpu_ratio": round(tx_cpu / fwd_cpu, 1) if fwd_cpu > 0 else None,
        "max_visits_29fps": max(sustained) if sustained else 0,
        "added_latency_ms_p95": _r(relay_p95 - direct_p95, 1)
        if relay_p95 is not None and direct_p95 is not None else None,
        "rss_mb_per_visit": round(largest.rss_mb / largest.visits, 2),
        "monitor_cpu_per_s": round(monitor_cpu, 4),
        "monitor_fps": round(monitor_fps, 1),
        "direct_latency_ms_p95": _r(direct_p95, 1),
        "relay_latency_ms_p95_at_max": _r(relay_p95, 1),
        "visits_tried": sorted(forward),
        "plot": plot,
        "cores": os.cpu_count(),
        "relay_workers": workers,
        "relay_cores": relay_cores,
        "max_visits_29fps_per_relay_core": round(max(sustained) / relay_cores, 1)
        if sustained else 0,
        "us_per_packet_at_max": _r(at_max.us_per_packet, 1),
        "forward_cpu_per_visit_at_max": round(at_max.cpu_per_visit, 4),
        "equal_visits": same,
        "cpu_ratio_at_equal_visits": round(tx_cpu / fwd_cpu, 1) if fwd_cpu > 0 else None,
        # When this nears the peers' cores the load, not the relay, is the limit.
        "peers_cpu_per_s_at_max": round(at_max.peers_cpu_per_s, 2),
        "peers_cores": peer_cores,
    }


def main(quick: bool, as_json: bool, visits: list[int] | None, out: Path,
         workers: int | None = None) -> int:
    result = asyncio.run(run(quick, visits, out, workers))
    if as_json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0
