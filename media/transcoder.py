"""The fallback when the two legs of a visit share no codec: decode one side's frames so that the
other side's sender encodes them in its own codec. Never used when the codecs match."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc.codecs import get_decoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from av.frame import Frame

log = logging.getLogger(__name__)


class Transcoder:
    def __init__(self, codec: RTCRtpCodecParameters, push: Callable[[Frame], None]) -> None:
        self.codec = codec
        self._decoder = get_decoder(codec)
        self._push = push
        self._queue: asyncio.Queue[JitterFrame] = asyncio.Queue(maxsize=30)
        self._task = asyncio.create_task(self._run())
        self.decoded = 0

    def feed(self, data: bytes, timestamp: int) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(JitterFrame(data, timestamp))

    async def _run(self) -> None:
        while True:
            encoded = await self._queue.get()
            try:
                frames = await asyncio.to_thread(self._decoder.decode, encoded)
            except Exception as exc:  # a corrupt frame: the next keyframe repairs it
                log.debug("transcoder could not decode a %s frame: %s", self.codec.name, exc)
                continue
            for frame in frames:
                self.decoded += 1
                self._push(frame)

    def cancel(self) -> None:
        self._task.cancel()
