"""A track that carries to one leg what the relay receives from the other leg."""

from __future__ import annotations

import asyncio
from typing import Any, TypeAlias

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame
from av.packet import Packet

Media: TypeAlias = "Frame | Packet[Any]"

# About a second of video at 30 fps; when a sender stalls we drop the oldest, never block the pump.
QUEUE_FRAMES = 30


class ForwardTrack(MediaStreamTrack):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._queue: asyncio.Queue[Media | None] = asyncio.Queue(maxsize=QUEUE_FRAMES)

    def push(self, frame: Media) -> None:
        if self.readyState != "live":
            return
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(frame)

    async def recv(self) -> Media:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._queue.get()
        if frame is None:
            raise MediaStreamError
        return frame

    def stop(self) -> None:
        if self.readyState == "live":
            super().stop()
            # Wake a sender blocked in recv() so it sees the end at once.
            if self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
