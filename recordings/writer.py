"""Recording a visit from the packets the relay already forwards: one Matroska/WebM file per side
(the side's video and audio), no frame decoded or encoded. The file is written as it goes, so a
crash loses only the last moments; its SHA-256 is taken when it closes, off the event loop.

PyAV opens a codec context for each stream when the file starts; no frame ever passes through it.
"""

from __future__ import annotations

import asyncio
import fractions
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from av.packet import Packet

log = logging.getLogger(__name__)

MS = fractions.Fraction(1, 1000)


def vp8_dimensions(keyframe: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 keyframe header (RFC 6386 9.1)."""
    if len(keyframe) < 10 or keyframe[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(keyframe[6:8], "little") & 0x3FFF
    height = int.from_bytes(keyframe[8:10], "little") & 0x3FFF
    return width, height


@dataclass(frozen=True)
class RecordedFile:
    side: str
    path: str
    sha256: str
    bytes: int
    started_at: float
    closed_at: float


class SideRecorder:
    def __init__(self, side: str, path: Path, video_key: str) -> None:
        self.side = side
        self.path = path
        self.video_key = video_key
        self.started_at = time.time()
        self._container: Any = None
        self._streams: dict[str, Any] = {}
        self._t0 = 0.0
        self._last_pts: dict[str, int] = {}
        self.packets = 0

    def write(self, kind: str, data: bytes, keyframe: bool) -> None:
        """Add one encoded frame. The file starts at the first video keyframe."""
        if self._container is None:
            if kind != "video" or not keyframe:
                return
            self._open(data)
        stream = self._streams.get(kind)
        if stream is None:
            return
        # Arrival time keeps the two streams in step: each RTP clock starts on its own.
        pts = int((time.monotonic() - self._t0) * 1000)
        pts = max(pts, self._last_pts.get(kind, -1) + 1)
        self._last_pts[kind] = pts
        packet = Packet(data)
        packet.stream = stream
        packet.pts = packet.dts = pts
        packet.time_base = MS
        if keyframe and kind == "video":
            packet.is_keyframe = True
        try:
            self._container.mux(packet)
            self.packets += 1
        except av.FFmpegError as exc:
            log.warning("recording %s: a packet could not be written: %s", self.path.name, exc)

    def _open(self, keyframe: bytes) -> None:
        vp8 = self.video_key == "video/vp8"
        dims = vp8_dimensions(keyframe) if vp8 else None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Matroska keeps a cluster in memory until it is complete: clusters of one second,
        # flushed as soon as written, mean a crash loses about a second.
        self._container = av.open(str(self.path), "w", format="webm" if vp8 else "matroska",
                                  options={"flush_packets": "1", "cluster_time_limit": "1000",
                                           "cluster_size_limit": "262144"})
        video = self._container.add_stream("vp8" if vp8 else "h264")
        video.width, video.height = dims or (640, 480)
        video.time_base = MS
        audio = self._container.add_stream("libopus", rate=48000)
        audio.time_base = MS
        self._streams = {"video": video, "audio": audio}
        self._t0 = time.monotonic()

    def discard(self) -> None:
        """Close and delete the file: nothing of it may remain."""
        if self._container is not None:
            self._container.close()
            self._container = None
        self.path.unlink(missing_ok=True)

    async def finish(self) -> RecordedFile | None:
        """`close` in a thread: the trailer and the SHA-256 of a half-hour file take a while,
        and a relay worker's event loop carries every other visit pinned to it meanwhile. Call
        it once nothing writes any more."""
        return await asyncio.to_thread(self.close)

    def close(self) -> RecordedFile | None:
        if self._container is None:
            return None
        self._container.close()
        self._container = None
        digest = hashlib.sha256()
        size = 0
        with self.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        return RecordedFile(self.side, str(self.path), digest.hexdigest(), size,
                            self.started_at, time.time())
