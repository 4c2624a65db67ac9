"""`sambang bench relay --quick --json` runs and reports what the README promises. Figures are
read by people, not asserted: timing targets do not belong in tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {"forward_cpu_per_visit", "transcode_cpu_per_visit", "cpu_ratio", "max_visits_29fps",
        "added_latency_ms_p95", "rss_mb_per_visit", "monitor_cpu_per_s",
        # the relay measured apart from its load
        "relay_cores", "max_visits_29fps_per_relay_core", "us_per_packet_at_max",
        "forward_cpu_per_visit_at_max", "cpu_ratio_at_equal_visits", "peers_cpu_per_s_at_max",
        "peers_cores", "floor_us_per_packet"}


@pytest.mark.slow
def test_quick_bench_prints_its_figures_and_a_plot(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "bench", "relay", "--quick", "--json",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=240, check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEYS <= set(result)
    # Both modes really carried media: each was measured, and forwarded packets reached the peers.
    assert result["forward_cpu_per_visit"] > 0 and result["transcode_cpu_per_visit"] > 0
    assert result["us_per_packet_at_max"] > 0 and result["floor_us_per_packet"] > 0
    assert result["relay_cores"] >= 1 and result["peers_cores"] >= 1
    assert (tmp_path / "relay.png").stat().st_size > 10_000
    assert "forward" in done.stdout and "transcode" in done.stdout
