"""The relay: every visit's media passes through here, so the server, not the browsers, decides
when it stops.

A `RelaySession` holds one peer connection per leg ("family", "station") and one per silent
monitor. aiortc sets each up (ICE, DTLS, SRTP keys); the packets themselves are forwarded by
`media.forwarder`, rewritten for each receiver, never decoded: both legs are answered with the
visit's codec, chosen from the first leg's offer. Only when a leg cannot take that codec does the
relay decode and re-encode that direction, and it says so (`media_mode`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtcrtptransceiver import RTCRtpTransceiver

from media import aiortc_hook as hook
from media import liveness
from media.codecs import RateLimit, choose_codec, chosen_with_rtx, codec_key, is_rtx
from media.forwarder import Forwarder, Outbound, Source, outbound_for
from media.frames import FrameAssembler
from media.ice import relay_configuration
from media.monitors import Monitor, MonitorSet
from media.recording import Recording
from media.tracks import ForwardTrack
from media.transcoder import Transcoder
from recordings.writer import RecordedFile
from signaling.ports import LegStateCallback, SdpError, SessionClosed
from signaling.turn import TurnSettings

log = logging.getLogger(__name__)

SIDES = ("family", "station")
KINDS = ("audio", "video")
# A receiver that lost its picture asks again quickly; the sender need not hear it more often.
KEYFRAME_REQUEST_INTERVAL = 0.25
# Every sender is asked for a keyframe at least this often, watched or not: a monitor (or a
# recording started mid-visit) begins at the next one instead of asking, so joining one changes
# nothing a page can measure (pliCount, keyFramesEncoded). It also bounds how long a receiver
# whose own request was lost waits for a picture. A keyframe every few seconds costs a sender a
# few per cent of its bitrate.
KEYFRAME_EVERY = 5.0


def other_side(side: str) -> str:
    return "station" if side == "family" else "family"


@dataclass
class Leg:
    side: str
    pc: RTCPeerConnection
    send_codec: dict[str, RTCRtpCodecParameters] = field(default_factory=dict)
    transceivers: dict[str, RTCRtpTransceiver] = field(default_factory=dict)
    senders: dict[str, RTCRtpSender] = field(default_factory=dict)
    tracks: dict[str, ForwardTrack] = field(default_factory=dict)  # used only to transcode
    outbounds: dict[str, Outbound] = field(default_factory=dict)  # what it receives, forwarded
    transcoders: dict[str, Transcoder] = field(default_factory=dict)  # ... or transcoded
    source: Source | None = None
    keyframe_limit: RateLimit = field(default_factory=lambda: RateLimit(KEYFRAME_REQUEST_INTERVAL))
    keyframe_requests: int = 0


class RelaySession:
    def __init__(self, visit_id: int, on_leg_state: LegStateCallback,
                 turn: TurnSettings | None = None) -> None:
        self.visit_id = visit_id
        self._on_leg_state = on_leg_state
        self._turn = turn or TurnSettings()
        self._legs: dict[str, Leg] = {}
        self.forwarder = Forwarder(self._request_keyframe)
        self.monitors = MonitorSet(self)
        self.recording = Recording(self)
        self.video_key: str | None = None
        self.transcoding = False
        self.closed = False
        self._schedule = asyncio.ensure_future(self._keyframe_schedule())

    async def _keyframe_schedule(self) -> None:
        """Ask each leg for a keyframe once KEYFRAME_EVERY has passed since it was last asked
        (by anyone): a fixed rhythm that does not depend on who watches."""
        while not self.closed:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for side, leg in list(self._legs.items()):
                last = leg.keyframe_limit.last
                if leg.source is not None and (last is None or now - last >= KEYFRAME_EVERY):
                    self._request_keyframe(side)

    @property
    def media_mode(self) -> str:
        return "transcode" if self.transcoding else "forward"

    def leg(self, side: str) -> Leg | None:
        return self._legs.get(side)

    def frames_in(self, side: str) -> dict[str, int]:
        leg = self._legs.get(side)
        return dict(leg.source.frames_in) if leg and leg.source else {k: 0 for k in KINDS}

    def stats(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for side, leg in self._legs.items():
            target = self._legs.get(other_side(side))
            source = leg.source
            out[side] = {
                "frames_in": dict(source.frames_in) if source else {},
                "packets_in": dict(source.packets_in) if source else {},
                "forwarded": sum(o.forwarded for o in target.outbounds.values()) if target
                else 0,
                "retransmitted": sum(o.retransmitted for o in leg.outbounds.values()),
                "keyframe_requests": leg.keyframe_requests,
                "codecs": {k: c.mimeType for k, c in leg.send_codec.items()},
                "transcoded": sum(t.decoded for t in target.transcoders.values()) if target
                else 0,
                "encoders": {k: getattr(hook.sender_encoder(s), "codec", None) is not None
                             for k, s in leg.senders.items()},
            }
        return out

    async def answer(self, side: str, offer_sdp: str) -> str:
        if self.closed:
            raise SessionClosed(f"visit {self.visit_id} has ended")
        if side not in SIDES:
            raise ValueError(side)
        old = self._legs.pop(side, None)
        if old is not None:  # a page that reconnects replaces its leg
            await self._close_leg(old)
        pc = RTCPeerConnection(relay_configuration(self._turn, self.visit_id, time.time()))
        leg = Leg(side=side, pc=pc)
        self._legs[side] = leg

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = hook.receiver_of(pc, track)
            if receiver is not None:
                hook.never_decode(receiver)

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
            self._start_source(leg)
        except Exception as exc:  # aiortc raises many types for a bad SDP
            self._legs.pop(side, None)
            await self._close_leg(leg)
            raise SdpError(str(exc) or type(exc).__name__) from exc
        self._rewire()
        # The other leg may already be sending: ask it for a picture this leg can start from.
        self._request_keyframe(other_side(side))
        # What a connection allocates to set up lives as long as the visit: keep it out of the
        # collector's full passes, which otherwise take a frame's time or more with many legs.
        gc.freeze()
        return str(pc.localDescription.sdp)

    def _negotiate(self, leg: Leg, transceiver: RTCRtpTransceiver) -> None:
        kind = transceiver.kind
        if kind not in KINDS or kind in leg.send_codec:
            return
        offered = hook.negotiated_codecs(transceiver)
        chosen = choose_codec(offered, self.video_key if kind == "video" else None)
        if chosen is None:
            raise SdpError(f"no usable {kind} codec")
        if kind == "video" and self.video_key is None:
            self.video_key = codec_key(chosen)
        hook.restrict_codecs(transceiver, chosen_with_rtx(offered, chosen))
        leg.send_codec[kind] = chosen
        leg.transceivers[kind] = transceiver
        source = other_side(leg.side)
        track = ForwardTrack(kind, lambda: self._request_keyframe(source))
        leg.tracks[kind] = track
        sender = leg.pc.addTrack(track)
        leg.senders[kind] = sender
        hook.quiet_sender_reports(sender, lambda: kind in leg.outbounds)

    def _start_source(self, leg: Leg) -> None:
        payload_types: dict[int, tuple[str, bool]] = {}
        for kind, transceiver in leg.transceivers.items():
            for codec in hook.negotiated_codecs(transceiver):
                if codec.payloadType is not None:
                    payload_types[codec.payloadType] = (kind, is_rtx(codec))
        video = leg.senders.get("video") or next(iter(leg.senders.values()))
        source = Source(leg.side, payload_types,
                        {k: hook.negotiated_extensions(t) for k, t in leg.transceivers.items()},
                        hook.sender_ssrcs(video)[0])
        for transceiver in leg.transceivers.values():
            dtls = hook.dtls_of(transceiver)
            if all(link.dtls is not dtls for link in source.links):
                source.links.append(self._link(dtls, source))
        leg.source = source
        self.forwarder.add_source(source)

    def link_for(self, transceiver: RTCRtpTransceiver, source: Source | None) -> hook.PacketLink:
        return self._link(hook.dtls_of(transceiver), source)

    def _link(self, dtls: object, source: Source | None) -> hook.PacketLink:
        forwarder = self.forwarder
        link = hook.PacketLink(dtls,  # type: ignore[arg-type]
                               (lambda p: forwarder.on_rtp(source, p)) if source else
                               (lambda p: None), lambda p: None)
        link.on_rtcp = lambda p: forwarder.on_rtcp(link, source, p)
        return link

    def _links_of(self, leg: Leg) -> dict[str, hook.PacketLink]:
        assert leg.source is not None
        return {kind: next(link for link in leg.source.links if link.dtls is hook.dtls_of(t))
                for kind, t in leg.transceivers.items()}

    def _rewire(self) -> None:
        """For each leg and kind, what the other leg sends arrives forwarded when both take one
        codec, transcoded otherwise."""
        for target in self._legs.values():
            source_side = other_side(target.side)
            source = self._legs.get(source_side)
            if target.source is None:
                continue  # still being answered: its own answer wires it
            if source is not None and source.source is None:
                source = None
            links = self._links_of(target)
            for kind, codec in target.send_codec.items():
                from_codec = source.send_codec.get(kind) if source else None
                if from_codec is None or codec_key(from_codec) == codec_key(codec):
                    self._stop_transcoding(target, kind)
                    if kind not in target.outbounds:
                        out = outbound_for(links[kind], target.transceivers[kind], codec, True,
                                           partial(self._request_keyframe, source_side))
                        target.outbounds[kind] = out
                        self.forwarder.add_outbound(source_side, out)
                else:
                    if kind in target.outbounds:
                        self.forwarder.remove_outbound(target.outbounds.pop(kind))
                    self._start_transcoding(target, kind, from_codec)
        if any(leg.transcoders for leg in self._legs.values()) and not self.transcoding:
            self.transcoding = True
            log.warning("visit %s: the legs share no video codec: transcoding", self.visit_id)

    def _start_transcoding(self, target: Leg, kind: str, codec: RTCRtpCodecParameters) -> None:
        current = target.transcoders.get(kind)
        if current is not None and current.codec.mimeType == codec.mimeType:
            return
        track = target.tracks[kind]
        transcoder = Transcoder(codec, lambda f: track.push(f, True))
        target.transcoders[kind] = transcoder
        assembler = FrameAssembler(codec, lambda data, ts, key: transcoder.feed(data, ts))
        self.forwarder.set_sink(other_side(target.side), kind, f"transcode:{target.side}",
                                assembler.push)

    def _stop_transcoding(self, target: Leg, kind: str) -> None:
        transcoder = target.transcoders.pop(kind, None)
        if transcoder is not None:
            self.forwarder.set_sink(other_side(target.side), kind, f"transcode:{target.side}",
                                    None)
            transcoder.cancel()

    async def add_monitor(self, monitor_id: str, offer_sdp: str) -> str:
        if self.closed:
            raise SessionClosed(f"visit {self.visit_id} has ended")
        return await self.monitors.add(monitor_id, offer_sdp)

    async def remove_monitor(self, monitor_id: str) -> None:
        await self.monitors.remove(monitor_id)

    def start_recording(self, directory: Path, prefix: str) -> None:
        """Record both sides from now on (each file starts at its side's next keyframe)."""
        self.recording.start(directory, prefix)

    async def make_private(self) -> None:
        """The visit became legal: drop every monitor and destroy what was recorded so far."""
        await self.monitors.remove_all()
        self.recording.discard()

    def _request_keyframe(self, source_side: str) -> None:
        """Ask the browser of `source_side` for a keyframe (rate-limited)."""
        leg = self._legs.get(source_side)
        if leg is None or self.closed or not leg.keyframe_limit.allow(time.monotonic()):
            return
        if self.forwarder.send_pli(source_side):
            leg.keyframe_requests += 1
        else:
            leg.keyframe_limit.last = None  # nothing sent yet: the next packet may ask again

    async def close(self) -> list[RecordedFile]:
        """Cut the media: stop forwarding at once, then close both legs; returns the
        recordings."""
        if self.closed:
            return []
        self.closed = True
        self._schedule.cancel()
        legs = list(self._legs.values())
        self._legs.clear()
        for leg in legs:
            if leg.source is not None:
                self.forwarder.remove_source(leg.source)
            for sender in leg.pc.getSenders():
                sender.replaceTrack(None)
        for leg in legs:
            await self._close_leg(leg)
        await self.monitors.remove_all()
        gc.unfreeze()  # what this visit left may be collected now; the next answer freezes again
        return await self.recording.close()

    async def _close_leg(self, leg: Leg) -> None:
        if leg.source is not None:
            self.forwarder.remove_source(leg.source)
        for out in leg.outbounds.values():
            self.forwarder.remove_outbound(out)
        for kind in list(leg.transcoders):
            self._stop_transcoding(leg, kind)
        for track in leg.tracks.values():
            track.stop()
        with contextlib.suppress(Exception):
            await leg.pc.close()


__all__ = ["Monitor", "Relay", "RelaySession", "SdpError", "SessionClosed"]


class Relay:
    """All relay sessions of this process, by visit."""

    def __init__(self, turn: TurnSettings | None = None) -> None:
        self._sessions: dict[int, RelaySession] = {}
        self._watches: dict[int, asyncio.Task[None]] = {}
        self._turn = turn

    def open(self, visit_id: int, on_leg_state: LegStateCallback) -> RelaySession:
        session = self._sessions.get(visit_id)
        if session is None:
            session = RelaySession(visit_id, on_leg_state, self._turn)
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
