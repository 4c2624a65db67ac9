"""`sambang bench relay`: what the relay costs per visit when it forwards packets, against aiortc's
MediaRelay transcoding baseline and a direct peer-to-peer pair, all in one run. The relay and
its load run on separate cores; see run.py and peers.py."""

from media.bench.report import main

__all__ = ["main"]
