"""The relay: every visit's media passes through here, so the server, not the browsers, decides
when it stops.

A `RelaySession` holds one peer connection per leg ("family", "station"). What one leg sends is
forwarded to the other still encoded (no decoder, no encoder): both legs are answered with the
visit's codec, chosen from the first leg's offer. Only when a leg cannot take that codec does the
relay decode and re-encode that direction, and it says so (`media_mode`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender

from media import aiortc_hook as hook
from media import liveness
from media.codecs import RateLimit, choose_codec, codec_key, is_keyframe, is_rtx
from media.tracks import ForwardTrack
from media.transcoder import Transcoder
from recordings.writer import RecordedFile, SideRecorder
from signaling.ports import LegStateCallback, SdpError, SessionClosed

log = logging.getLogger(__name__)

SIDES = ("family", "station")
KINDS = ("audio", "video")
# A receiver that lost its picture asks again quickly; the sender need not hear it more often.
KEYFRAME_REQUEST_INTERVAL = 0.25

def other_side(side: str) -> str:
    return "station" if side == "family" else "family"


@dataclass
class Leg:
    side: str
    pc: RTCPeerConnection
    outbound: dict[str, ForwardTrack] = field(default_factory=dict)
    send_codec: dict[str, RTCRtpCodecParameters] = field(default_factory=dict)
    senders: dict[str, RTCRtpSender] = field(default_factory=dict)
    receivers: dict[str, RTCRtpReceiver] = field(default_factory=dict)
    far_bitrate: dict[str, int] = field(default_factory=dict)  # what this leg's browser can take
    transcoders: dict[str, Transcoder] = field(default_factory=dict)
    keyframe_limit: RateLimit = field(default_factory=lambda: RateLimit(KEYFRAME_REQUEST_INTERVAL))
    frames_in: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    forwarded: int = 0
    keyframe_requests: int = 0


@dataclass
class Monitor:
    """A silent viewer: its own connection, so neither leg can see it come or go."""

    monitor_id: str
    pc: RTCPeerConnection
    tracks: dict[tuple[str, str], ForwardTrack] = field(default_factory=dict)  # (side, kind)
    senders: list[RTCRtpSender] = field(default_factory=list)


class RelaySession:
    def __init__(self, visit_id: int, on_leg_state: LegStateCallback) -> None:
        self.visit_id = visit_id
        self._on_leg_state = on_leg_state
        self._legs: dict[str, Leg] = {}
        self._monitors: dict[str, Monitor] = {}
        self._record_dir: Path | None = None
        self._record_prefix = ""
        self._recorders: dict[str, SideRecorder] = {}
        self.video_key: str | None = None
        self.transcoding = False
        self.closed = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def media_mode(self) -> str:
        return "transcode" if self.transcoding else "forward"

    def frames_in(self, side: str) -> dict[str, int]:
        leg = self._legs.get(side)
        return dict(leg.frames_in) if leg else {k: 0 for k in KINDS}

    def stats(self) -> dict[str, object]:
        return {
            side: {
                "frames_in": dict(leg.frames_in), "forwarded": leg.forwarded,
                "keyframe_requests": leg.keyframe_requests,
                "codecs": {k: c.mimeType for k, c in leg.send_codec.items()},
                "transcoded": sum(t.decoded for t in leg.transcoders.values()),
                "encoders": {k: hook.sender_encoder(s) is not None and getattr(
                    hook.sender_encoder(s), "codec", None) is not None
                    for k, s in leg.senders.items()},
            }
            for side, leg in self._legs.items()
        }

    async def answer(self, side: str, offer_sdp: str) -> str:
        if self.closed:
            raise SessionClosed(f"visit {self.visit_id} has ended")
        if side not in SIDES:
            raise ValueError(side)
        old = self._legs.pop(side, None)
        if old is not None:  # a page that reconnects replaces its leg
            await self._close_leg(old)
        pc = RTCPeerConnection()
        leg = Leg(side=side, pc=pc)
        self._legs[side] = leg

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = hook.receiver_of(pc, track)
            if receiver is not None:
                self._attach_receiver(leg, track.kind, receiver)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            log.info("visit %s %s leg: %s", self.visit_id, side, pc.connectionState)
            if not self.closed and self._legs.get(side) is leg:
                self._on_leg_state(side, pc.connectionState)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            for transceiver in pc.getTransceivers():
                self._negotiate(leg, transceiver)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many types for a bad SDP
            self._legs.pop(side, None)
            await self._close_leg(leg)
            raise SdpError(str(exc) or type(exc).__name__) from exc
        self._check_modes()
        # The other leg may already be sending: ask it for a picture this leg can start from.
        self._request_keyframe(other_side(side))
        return str(pc.localDescription.sdp)

    def _negotiate(self, leg: Leg, transceiver: object) -> None:
        kind: str = transceiver.kind  # type: ignore[attr-defined]
        if kind not in KINDS or kind in leg.send_codec:
            return
        offered = hook.negotiated_codecs(transceiver)  # type: ignore[arg-type]
        chosen = choose_codec(offered, self.video_key if kind == "video" else None)
        if chosen is None:
            raise SdpError(f"no usable {kind} codec")
        if kind == "video" and self.video_key is None:
            self.video_key = codec_key(chosen)
        keep = [chosen] + [
            c for c in offered if is_rtx(c) and c.parameters.get("apt") == chosen.payloadType
        ]
        hook.restrict_codecs(transceiver, keep)  # type: ignore[arg-type]
        leg.send_codec[kind] = chosen
        source = other_side(leg.side)
        track = ForwardTrack(kind, lambda: self._request_keyframe(source))
        leg.outbound[kind] = track
        sender = leg.pc.addTrack(track)
        leg.senders[kind] = sender
        hook.use_packer(sender, chosen)
        encoder_keyframe = sender._send_keyframe

        def on_keyframe_request() -> None:
            # A transcoded direction has a real encoder to force; a forwarded one asks upstream.
            if self._direction_transcodes(source, leg.side, kind):
                encoder_keyframe()
            else:
                self._request_keyframe(source)

        hook.on_keyframe_request(sender, on_keyframe_request)
        hook.on_remb(sender, lambda bps: self._far_bitrate(leg, kind, bps))

    def _attach_receiver(self, leg: Leg, kind: str, receiver: RTCRtpReceiver) -> None:
        leg.receivers[kind] = receiver
        hook.forward_encoded(receiver, lambda codec, frame: self._on_encoded(leg, kind, codec,
                                                                             frame))

        def limit() -> int | None:
            target = self._legs.get(other_side(leg.side))
            return target.far_bitrate.get(kind) if target else None

        hook.cap_remb(receiver, limit)

    def _on_encoded(self, leg: Leg, kind: str, codec: RTCRtpCodecParameters,
                    frame: JitterFrame) -> None:
        if self.closed:
            return
        leg.frames_in[kind] += 1
        target = self._legs.get(other_side(leg.side))
        if (target is None or kind not in target.outbound) and not (
            self._monitors or self._record_dir
        ):
            return
        key = codec_key(codec)
        packet = hook.packet_from(frame, codec.clockRate)
        keyframe = is_keyframe(key, frame.data)
        if self._record_dir is not None:
            self._recorder(leg.side).write(kind, frame.data, keyframe)
        for monitor in self._monitors.values():
            track = monitor.tracks.get((leg.side, kind))
            if track is not None:
                track.push(packet, keyframe)
        if target is None or kind not in target.outbound:
            return
        if codec_key(target.send_codec[kind]) == key:
            target.outbound[kind].push(packet, keyframe)
            leg.forwarded += 1
            return
        transcoder = leg.transcoders.get(kind)
        if transcoder is None or transcoder.codec.mimeType != codec.mimeType:
            outbound = target.outbound[kind]
            transcoder = Transcoder(codec, lambda f: outbound.push(f, True))
            leg.transcoders[kind] = transcoder
        transcoder.feed(frame)

    private = False

    async def add_monitor(self, monitor_id: str, offer_sdp: str) -> str:
        """Answer a monitor's offer of receive-only audio, video, audio, video: the family's
        media on the first pair, the station's on the second. Forwarded like a leg's, never
        transcoded: a monitor that cannot take the visit's codec is refused."""
        if self.closed:
            raise SessionClosed(f"visit {self.visit_id} has ended")
        await self.remove_monitor(monitor_id)
        # Two m-lines of a kind: aiortc's default (balanced) answerer leaves the second one on a
        # transport that bundling then stops; one transport for all is what browsers do anyway.
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        monitor = Monitor(monitor_id, pc)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            media = [t for t in pc.getTransceivers() if t.kind in KINDS]
            if [t.kind for t in media] != ["audio", "video", "audio", "video"]:
                raise SdpError("a monitor offers audio, video, audio, video")
            for transceiver, side in zip(media, ("family", "family", "station", "station"),
                                         strict=True):
                self._monitor_track(monitor, transceiver, side)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            with contextlib.suppress(Exception):
                await pc.close()
            if isinstance(exc, SdpError):
                raise
            raise SdpError(str(exc) or type(exc).__name__) from exc
        self._monitors[monitor_id] = monitor
        for side in SIDES:
            self._request_keyframe(side)
        return str(pc.localDescription.sdp)

    def _monitor_track(self, monitor: Monitor, transceiver: object, side: str) -> None:
        kind: str = transceiver.kind  # type: ignore[attr-defined]
        offered = hook.negotiated_codecs(transceiver)  # type: ignore[arg-type]
        visit_key = self.video_key if kind == "video" else None
        chosen = choose_codec(offered, visit_key)
        if chosen is None or (visit_key is not None and codec_key(chosen) != visit_key):
            raise SdpError(f"the monitor cannot take this visit's {kind} codec")
        hook.restrict_codecs(transceiver, [chosen] + [  # type: ignore[arg-type]
            c for c in offered if is_rtx(c) and c.parameters.get("apt") == chosen.payloadType])
        track = ForwardTrack(kind, lambda: self._request_keyframe(side))
        sender: RTCRtpSender = transceiver.sender  # type: ignore[attr-defined]
        sender.replaceTrack(track)
        transceiver.direction = "sendonly"  # type: ignore[attr-defined]
        hook.use_packer(sender, chosen)
        hook.on_keyframe_request(sender, lambda: self._request_keyframe(side))
        monitor.tracks[(side, kind)] = track
        monitor.senders.append(sender)

    async def remove_monitor(self, monitor_id: str) -> None:
        monitor = self._monitors.pop(monitor_id, None)
        if monitor is not None:
            for track in monitor.tracks.values():
                track.stop()
            with contextlib.suppress(Exception):
                await monitor.pc.close()

    def start_recording(self, directory: Path, prefix: str) -> None:
        """Record both sides from now on (each file starts at its side's next keyframe)."""
        if self._record_dir is None:
            self._record_dir, self._record_prefix = directory, prefix
            for side in SIDES:
                self._request_keyframe(side)

    async def make_private(self) -> None:
        """The visit became legal: drop every monitor and destroy what was recorded so far."""
        for monitor_id in list(self._monitors):
            await self.remove_monitor(monitor_id)
        self._record_dir = None
        for recorder in self._recorders.values():
            recorder.discard()
        self._recorders.clear()

    def _recorder(self, side: str) -> SideRecorder:
        recorder = self._recorders.get(side)
        if recorder is None:
            assert self._record_dir is not None
            key = self.video_key or "video/vp8"
            suffix = "webm" if key == "video/vp8" else "mkv"
            name = f"{self._record_prefix}-{side}-{secrets.token_hex(8)}.{suffix}"
            recorder = SideRecorder(side, self._record_dir / name, key)
            self._recorders[side] = recorder
        return recorder

    def _direction_transcodes(self, source: str, target: str, kind: str) -> bool:
        src, dst = self._legs.get(source), self._legs.get(target)
        if src is None or dst is None or kind not in src.send_codec or kind not in dst.send_codec:
            return False
        return codec_key(src.send_codec[kind]) != codec_key(dst.send_codec[kind])

    def _check_modes(self) -> None:
        if self.transcoding:
            return
        if self._direction_transcodes("family", "station", "video"):
            self.transcoding = True
            log.warning("visit %s: the legs share no video codec (%s / %s): transcoding",
                        self.visit_id, self._legs["family"].send_codec["video"].mimeType,
                        self._legs["station"].send_codec["video"].mimeType)

    def _request_keyframe(self, source_side: str) -> None:
        """Ask the browser of `source_side` for a keyframe (rate-limited)."""
        leg = self._legs.get(source_side)
        receiver = leg.receivers.get("video") if leg else None
        if leg is None or receiver is None or self.closed:
            return
        if not leg.keyframe_limit.allow(time.monotonic()):
            return
        leg.keyframe_requests += 1
        for source in receiver.getSynchronizationSources():
            self._spawn(hook.send_pli(receiver, source.source))

    def _far_bitrate(self, leg: Leg, kind: str, bps: int) -> None:
        previous = leg.far_bitrate.get(kind)
        leg.far_bitrate[kind] = bps
        source = self._legs.get(other_side(leg.side))
        receiver = source.receivers.get(kind) if source else None
        # A sharp drop is passed on at once; otherwise the receiver's own REMB carries the cap.
        if receiver is not None and previous is not None and bps < previous * 0.8:
            for ssrc in receiver.getSynchronizationSources():
                self._spawn(hook.send_remb(receiver, bps, ssrc.source))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> list[RecordedFile]:
        """Cut the media: stop sending at once, then close both legs; returns the recordings."""
        if self.closed:
            return []
        self.closed = True
        legs = list(self._legs.values())
        self._legs.clear()
        for leg in legs:
            for sender in leg.pc.getSenders():
                sender.replaceTrack(None)
        await asyncio.gather(*(self._close_leg(leg) for leg in legs),
                             *(self.remove_monitor(m) for m in list(self._monitors)))
        for task in list(self._tasks):
            task.cancel()
        recorders = list(self._recorders.values())  # nothing writes once `closed` is set
        self._recorders.clear()
        files = [await recorder.finish() for recorder in recorders]
        return [f for f in files if f is not None]

    async def _close_leg(self, leg: Leg) -> None:
        for track in leg.outbound.values():
            track.stop()
        for transcoder in leg.transcoders.values():
            await transcoder.stop()
        with contextlib.suppress(Exception):
            await leg.pc.close()


class Relay:
    """All relay sessions of this process, by visit."""

    def __init__(self) -> None:
        self._sessions: dict[int, RelaySession] = {}
        self._watches: dict[int, asyncio.Task[None]] = {}

    def open(self, visit_id: int, on_leg_state: LegStateCallback) -> RelaySession:
        session = self._sessions.get(visit_id)
        if session is None:
            session = RelaySession(visit_id, on_leg_state)
            self._sessions[visit_id] = session
            # Whether each leg's media still comes in (the clock stops while a line is down).
            self._watches[visit_id] = asyncio.ensure_future(liveness.watch(
                session.frames_in, on_leg_state, lambda: session.closed))
        return session

    def get(self, visit_id: int) -> RelaySession | None:
        return self._sessions.get(visit_id)

    def count(self) -> int:
        return len(self._sessions)

    async def close(self, visit_id: int) -> list[RecordedFile]:
        session = self._sessions.pop(visit_id, None)
        watch = self._watches.pop(visit_id, None)
        if watch is not None:
            watch.cancel()
        if session is None:
            return []
        return await session.close()

    async def close_all(self) -> None:
        for visit_id in list(self._sessions):
            await self.close(visit_id)
