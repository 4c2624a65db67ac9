"""`sambang bench relay`: what the relay costs per visit when it forwards packets, against aiortc's
MediaRelay transcoding baseline, a direct peer-to-peer pair and a plain SRTP forwarder (the
floor), all in one run. The relay and its load run on separate cores; see run.py and peers.py."""

from __future__ import annotations

from pathlib import Path


def main(quick: bool, as_json: bool, visits: list[int] | None, out: Path,
         workers: int | None = None) -> int:
    # Imported here: `python -m media.bench.floor` (the floor's own process) must not load the
    # whole benchmark first.
    from media.bench.report import main as run_main

    return run_main(quick, as_json, visits, out, workers)
