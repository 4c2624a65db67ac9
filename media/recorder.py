"""Recording a visit from the packets the relay already forwards: one Matroska/WebM file per side
(the side's video and audio), no frame decoded or encoded; packets are put back into frames only
while a visit is being recorded. The file is written as it goes, so a
crash loses only the last moments; its SHA-256 is taken when it closes.

PyAV opens a codec context for each stream when the file starts; no frame ever passes through it.
"""

from __future__ import annotations

import fractions
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from av.packet import Packet

from media.frames import FrameAssembler
from media.rtp import RtpView

if TYPE_CHECKING:
    from media.relay import RelaySession

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


class Recording:
    """A visit's recording: one file per side, fed from the forwarder's packets."""

    def __init__(self, session: RelaySession) -> None:
        self._session = session
        self._dir: Path | None = None
        self._prefix = ""
        self._files: dict[str, SideRecorder] = {}
        self._assemblers: dict[tuple[str, str], FrameAssembler] = {}

    def start(self, directory: Path, prefix: str) -> None:
        if self._dir is not None:
            return
        self._dir, self._prefix = directory, prefix
        for side in ("family", "station"):
            for kind in ("audio", "video"):
                self._session.forwarder.set_sink(side, kind, "record", self._sink(side, kind))
            self._session._request_keyframe(side)

    def _sink(self, side: str, kind: str) -> Any:
        def sink(packet: bytes, view: RtpView, seq: int) -> None:
            assembler = self._assemblers.get((side, kind))
            if assembler is None:
                leg = self._session.leg(side)
                if leg is None or kind not in leg.send_codec:
                    return
                assembler = FrameAssembler(
                    leg.send_codec[kind],
                    lambda data, ts, key: self._file(side).write(kind, data, key))
                self._assemblers[(side, kind)] = assembler
            assembler.push(packet, view, seq)

        return sink

    def _file(self, side: str) -> SideRecorder:
        recorder = self._files.get(side)
        if recorder is None:
            assert self._dir is not None
            key = self._session.video_key or "video/vp8"
            suffix = "webm" if key == "video/vp8" else "mkv"
            name = f"{self._prefix}-{side}-{secrets.token_hex(8)}.{suffix}"
            recorder = SideRecorder(side, self._dir / name, key)
            self._files[side] = recorder
        return recorder

    def _stop(self) -> None:
        self._dir = None
        for side in ("family", "station"):
            for kind in ("audio", "video"):
                self._session.forwarder.set_sink(side, kind, "record", None)
        self._assemblers.clear()

    def discard(self) -> None:
        """Stop and delete what was recorded: nothing of it may remain."""
        self._stop()
        for recorder in self._files.values():
            recorder.discard()
        self._files.clear()

    def close(self) -> list[RecordedFile]:
        self._stop()
        files = [recorder.close() for recorder in self._files.values()]
        self._files.clear()
        return [f for f in files if f is not None]
