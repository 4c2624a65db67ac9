"""The track that the relay sends to one leg."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeAlias

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame
from av.packet import Packet

Media: TypeAlias = "Frame | Packet[Any]"

# About two seconds of video at 30 fps, or of 20 ms audio packets.
QUEUE_ITEMS = 60


class ForwardTrack(MediaStreamTrack):
    """Carries to one leg what the relay receives from the other leg: encoded packets when both
    take the same codec, decoded frames when the relay must transcode.

    A video receiver can only start from a keyframe, so forwarded video waits for one (asking for
    it through `need_keyframe`), and when the leg falls behind the queue is dropped whole and the
    track waits for the next keyframe: dropping single packets would corrupt the picture."""

    def __init__(self, kind: str, need_keyframe: Callable[[], None]) -> None:
        super().__init__()
        self.kind = kind
        self._need_keyframe = need_keyframe
        self._queue: asyncio.Queue[Media | None] = asyncio.Queue(maxsize=QUEUE_ITEMS)
        self._waiting_for_keyframe = kind == "video"
        self.dropped = 0

    def push(self, item: Media, keyframe: bool) -> None:
        if self.readyState != "live":
            return
        encoded_video = self.kind == "video" and isinstance(item, Packet)
        if encoded_video and self._waiting_for_keyframe:
            if not keyframe:
                self.dropped += 1
                self._need_keyframe()
                return
            self._waiting_for_keyframe = False
        if self._queue.full():
            if encoded_video:
                self.dropped += self._queue.qsize()
                while not self._queue.empty():
                    self._queue.get_nowait()
                if not keyframe:
                    self._waiting_for_keyframe = True
                    self._need_keyframe()
                    return
            else:
                self._queue.get_nowait()
                self.dropped += 1
        self._queue.put_nowait(item)

    async def recv(self) -> Media:
        if self.readyState != "live":
            raise MediaStreamError
        item = await self._queue.get()
        if item is None:
            raise MediaStreamError
        return item

    def stop(self) -> None:
        if self.readyState == "live":
            super().stop()
            # Wake a sender blocked in recv() so it sees the end at once.
            if self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
