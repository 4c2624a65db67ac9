"""The benchmark's load: peers that connect with aiortc (ICE, DTLS, SRTP keys) and then replay
pre-packetised RTP through their own SRTP sessions, all paced by one timer; they count and time
what arrives and never decode. Cheap enough that one core of peers can load the relay."""

from __future__ import annotations

import asyncio
import random
import struct
import time
from dataclasses import dataclass, field

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtptransceiver import RTCRtpTransceiver

from media import aiortc_hook as hook
from media import rtcp, rtp
from media.bench.fixtures import AUDIO_CLOCK, VIDEO_CLOCK, Loop
from media.codecs import is_rtx
from media.tracks import ForwardTrack

TICK = 0.004
_HEADER = struct.Struct("!BBHII")
_NO_EXTENSIONS = b"\xbe\xde\x00\x00"  # an empty block: the X bit is always set


@dataclass
class Media:
    """One loop, packetised, and how to recognise each of its frames on arrival."""

    loop: Loop
    frames: list[list[bytes]]
    clock_step: int
    frame_of: dict[int, int] = field(default_factory=dict)  # hash of last payload -> index

    def __post_init__(self) -> None:
        self.frame_of = {hash(payloads[-1]): i for i, payloads in enumerate(self.frames)}

    @classmethod
    def of(cls, loop: Loop, frames: list[list[bytes]]) -> Media:
        clock = VIDEO_CLOCK if loop.clock_rate == VIDEO_CLOCK else AUDIO_CLOCK
        return cls(loop, frames, round(loop.interval * clock))


@dataclass
class Stream:
    """One stream a peer sends: frames of its loop, in real time, as RTP."""

    link: hook.PacketLink
    media: Media
    payload_type: int
    ssrc: int
    next_due: float
    seq: int = field(default_factory=lambda: random.randrange(1 << 16))
    timestamp: int = field(default_factory=lambda: random.randrange(1 << 32))
    index: int = 0
    sent_at: dict[int, float] = field(default_factory=dict)  # frame index -> when it left
    packets: int = 0
    mid_id: int = 0
    mid: bytes = b""
    send_time_id: int = 0
    level_id: int = 0

    def extensions(self, now: float) -> bytes:
        elements = [(self.mid_id, self.mid)] if self.mid_id else []
        if self.send_time_id:
            elements.append((self.send_time_id, (int(now * (1 << 18)) & 0xFFFFFF).to_bytes(3,
                                                                                       "big")))
        if self.level_id:
            elements.append((self.level_id, b"\x28"))
        return rtp.build_extensions(elements) or _NO_EXTENSIONS

    def restart(self) -> None:
        """The next frame sent is the loop's first, its keyframe."""
        self.index += -self.index % len(self.media.frames)

    def send_due(self, now: float) -> None:
        if now - self.next_due > 1.0:  # the process stalled: skip, do not burst
            self.next_due = now
        frames = self.media.frames
        while self.next_due <= now:
            position = self.index % len(frames)
            payloads = frames[position]
            last = len(payloads) - 1
            # What a browser puts on every packet: its MID and its send time (abs-send-time,
            # 6.18 fixed-point seconds) or audio level; the relay must rewrite them.
            extensions = self.extensions(now)
            for i, payload in enumerate(payloads):
                b1 = self.payload_type | (0x80 if i == last else 0)
                self.link.send(_HEADER.pack(0x90, b1, self.seq, self.timestamp, self.ssrc)
                               + extensions + payload)
                self.seq = (self.seq + 1) & 0xFFFF
            self.packets += len(payloads)
            self.sent_at[position] = now
            self.index += 1
            self.timestamp = (self.timestamp + self.media.clock_step) & 0xFFFFFFFF
            self.next_due += self.media.loop.interval


class Pacer:
    """One timer for every stream of the process: no task per stream."""

    def __init__(self) -> None:
        self.streams: list[Stream] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            now = time.monotonic()
            for stream in self.streams:
                stream.send_due(now)
            await asyncio.sleep(TICK)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


@dataclass
class Received:
    video_frames: int = 0
    audio_packets: int = 0
    packets: int = 0
    latency_ms: list[float] = field(default_factory=list)


class LoadPeer:
    """One side of a synthetic visit (audio and VP8 video)."""

    def __init__(self, pacer: Pacer, video: Media, audio: Media) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pacer = pacer
        self.media = {"video": video, "audio": audio}
        self.streams: dict[str, Stream] = {}
        self.received = Received()
        self.counterpart: LoadPeer | None = None
        self._payload_types: dict[int, str] = {}

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = hook.receiver_of(self.pc, track)
            if receiver is not None:
                hook.never_decode(receiver)

    def _add_tracks(self) -> None:
        for kind in ("audio", "video"):
            sender = self.pc.addTrack(ForwardTrack(kind, lambda: None))  # idle: we send
            hook.quiet_sender_reports(sender, lambda: True)
            if kind == "video":
                vp8 = [c for c in RTCRtpSender.getCapabilities("video").codecs
                       if c.mimeType in ("video/VP8", "video/rtx")]
                for transceiver in self.pc.getTransceivers():
                    if transceiver.sender is sender:
                        transceiver.setCodecPreferences(vp8)

    async def offer(self) -> str:
        self._add_tracks()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        self._start()

    async def answer(self, offer: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        self._add_tracks()
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        self._start()
        return str(self.pc.localDescription.sdp)

    def _start(self) -> None:
        link: hook.PacketLink | None = None
        start = time.monotonic() + random.random() * 0.03  # spread the peers' frames
        for transceiver in self.pc.getTransceivers():
            kind = transceiver.kind
            payload_type = _media_codec(transceiver)
            self._payload_types[payload_type] = kind
            if link is None:
                link = hook.PacketLink(hook.dtls_of(transceiver), self._on_rtp, self._on_rtcp)
            stream = Stream(link, self.media[kind], payload_type,
                            hook.sender_ssrcs(transceiver.sender)[0], start)
            ids = hook.negotiated_extensions(transceiver)
            stream.mid_id, stream.mid = ids.get(rtp.MID_URI, 0), (transceiver.mid or "").encode()
            stream.send_time_id = ids.get(rtp.ABS_SEND_TIME_URI, 0)
            stream.level_id = ids.get(rtp.AUDIO_LEVEL_URI, 0)
            self.streams[kind] = stream
            self.pacer.streams.append(stream)

    def _on_rtp(self, packet: bytes) -> None:
        received = self.received
        received.packets += 1
        kind = self._payload_types.get(packet[1] & 0x7F)
        if kind == "audio":
            received.audio_packets += 1
        elif kind == "video" and packet[1] & 0x80:
            received.video_frames += 1
            counterpart = self.counterpart
            view = rtp.parse(packet)
            if counterpart is None or view is None:
                return
            index = self.media["video"].frame_of.get(hash(packet[view.payload_start:]))
            sent = counterpart.streams["video"].sent_at.get(index) if index is not None \
                else None
            if sent is not None:
                received.latency_ms.append((time.monotonic() - sent) * 1000)

    def _on_rtcp(self, packet: bytes) -> None:
        # A browser answers a keyframe request with a keyframe: the loop starts again.
        stream = self.streams.get("video")
        if stream is not None and any(isinstance(m, rtcp.KeyframeRequest)
                                      for m in rtcp.parse(packet)):
            stream.restart()

    def reset(self) -> None:
        self.received = Received()

    async def close(self) -> None:
        for stream in self.streams.values():
            if stream in self.pacer.streams:
                self.pacer.streams.remove(stream)
        await self.pc.close()


def _media_codec(transceiver: RTCRtpTransceiver) -> int:
    codec = next(c for c in hook.negotiated_codecs(transceiver) if not is_rtx(c))
    assert codec.payloadType is not None
    return codec.payloadType


class LoadMonitor:
    """A silent viewer of both sides; counts the video frames that arrive, never decodes."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.video_frames = 0
        self._video_types: set[int] = set()
        for kind in ("audio", "video", "audio", "video"):
            self.pc.addTransceiver(kind, direction="recvonly")

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = hook.receiver_of(self.pc, track)
            if receiver is not None:
                hook.never_decode(receiver)

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        transceivers = self.pc.getTransceivers()
        self._video_types = {_media_codec(t) for t in transceivers if t.kind == "video"}
        self.link = hook.PacketLink(hook.dtls_of(transceivers[0]), self._on_rtp, lambda p: None)

    def _on_rtp(self, packet: bytes) -> None:
        if packet[1] & 0x80 and packet[1] & 0x7F in self._video_types:
            self.video_frames += 1
