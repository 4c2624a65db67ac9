"""Real aiortc peers that play the family's phone and the station kiosk over the page sockets."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from collections.abc import Callable
from typing import Any

import av
from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack


class MovingPicture(VideoStreamTrack):  # type: ignore[misc]
    """A small picture that changes every frame, so the encoder has real work to carry."""

    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(width=160, height=120, format="yuv420p")
        self._n += 1
        for i, plane in enumerate(frame.planes):
            plane.update(bytes([(self._n * (i + 3)) % 256]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = time_base if time_base else fractions.Fraction(1, 90000)
        return frame


class Peer:
    def __init__(self, client: TestClient, path: str) -> None:
        self.client = client
        self.path = path
        self.messages: list[dict[str, Any]] = []
        self.frames: dict[str, list[float]] = {"audio": [], "video": []}
        self.pc: RTCPeerConnection | None = None
        self.ws: ClientWebSocketResponse | None = None
        self.close_code: int | None = None
        self.joined_at = 0.0
        self._new = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self) -> Peer:
        self.ws = await self.client.ws_connect(self.path)
        self._tasks.append(asyncio.create_task(self._read()))
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type is WSMsgType.TEXT:
                self.messages.append(msg.json())
                self._new.set()
        self.close_code = self.ws.close_code
        self._new.set()

    async def wait_for(
        self,
        kind: str,
        timeout: float = 10.0,
        since: int = 0,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
        **match: Any,
    ) -> dict[str, Any]:
        """The first message of `kind` matching `match` and `where`, from index `since` on."""
        deadline = time.monotonic() + timeout
        seen = since
        while True:
            for msg in self.messages[seen:]:
                if (
                    msg.get("type") == kind
                    and all(msg.get(k) == v for k, v in match.items())
                    and where(msg)
                ):
                    return msg
            seen = len(self.messages)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind} {match} on {self.path}: {self.messages[-5:]}")
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), left)

    async def send(self, data: Any) -> None:
        assert self.ws is not None
        if isinstance(data, str):
            await self.ws.send_str(data)
        else:
            await self.ws.send_json(data)

    async def join_call(self, video_codec: str | None = None) -> None:
        """Offer audio and a moving picture; `video_codec` ("video/VP8", "video/H264") limits
        the offer to that codec, as a browser that only has it would."""
        pc = RTCPeerConnection()
        self.pc = pc
        self.joined_at = time.monotonic()
        pc.addTrack(AudioStreamTrack())
        video = pc.addTrack(MovingPicture())
        if video_codec is not None:
            capabilities = RTCRtpSender.getCapabilities("video").codecs
            wanted = [c for c in capabilities if c.mimeType in (video_codec, "video/rtx")]
            for transceiver in pc.getTransceivers():
                if transceiver.sender is video:
                    transceiver.setCodecPreferences(wanted)

        @pc.on("track")
        def on_track(track: Any) -> None:
            self._tasks.append(asyncio.create_task(self._count(track)))

        await pc.setLocalDescription(await pc.createOffer())
        before = len([m for m in self.messages if m.get("type") == "answer"])
        await self.send({"type": "offer", "sdp": pc.localDescription.sdp})
        deadline = time.monotonic() + 10
        while len([m for m in self.messages if m.get("type") == "answer"]) == before:
            assert time.monotonic() < deadline, f"no answer: {self.messages[-3:]}"
            await asyncio.sleep(0.05)
        answer = [m for m in self.messages if m.get("type") == "answer"][-1]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def _count(self, track: Any) -> None:
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            self.frames[track.kind].append(time.monotonic())

    async def wait_frames(self, kind: str, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.frames[kind]) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: only {len(self.frames[kind])} {kind} frames")
            await asyncio.sleep(0.05)

    def frames_after(self, moment: float) -> int:
        return sum(1 for kind in self.frames.values() for t in kind if t > moment)

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        if self.ws is not None:
            await self.ws.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class MonitorPeer:
    """A silent viewer: receive-only audio+video of the family, then of the station."""

    def __init__(self) -> None:
        # One transport for all four, as browsers do by default.
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.frames: dict[tuple[str, str], list[float]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        sides = ["family", "family", "station", "station"]
        for kind in ("audio", "video", "audio", "video"):
            self.pc.addTransceiver(kind, direction="recvonly")

        @self.pc.on("track")
        def on_track(track: Any) -> None:
            index = [t.receiver.track for t in self.pc.getTransceivers()].index(track)
            key = (sides[index], track.kind)
            self.frames[key] = []
            self._tasks.append(asyncio.create_task(self._count(track, self.frames[key])))

    async def _count(self, track: Any, into: list[float]) -> None:
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            into.append(time.monotonic())

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()
