"""A visit's recording as the relay feeds it: the forwarder's packets of each side put back into
frames (only while recording) and written by `recordings.writer`, one file per side."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from media.frames import FrameAssembler
from media.rtp import RtpView
from recordings.writer import RecordedFile, SideRecorder

if TYPE_CHECKING:
    from media.relay import RelaySession


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
        # No keyframe is asked for: each file starts at the next scheduled one, so a recording
        # started by a supervisor mid-visit is as invisible to the pages as a monitor.

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

    async def close(self) -> list[RecordedFile]:
        """Stop feeding the files, then finish them off the event loop (trailer and SHA-256 of
        a long file take a while; the worker's loop carries other visits meanwhile)."""
        self._stop()
        recorders = list(self._files.values())
        self._files.clear()
        files = [await recorder.finish() for recorder in recorders]
        return [f for f in files if f is not None]
