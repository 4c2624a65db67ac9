"""Packet forwarding for one visit: what a leg sends goes out to the other leg and to monitors as
the same packets, rewritten for each receiver and protected again; RTCP is terminated here and
translated (NACKs answered from a cache, keyframe requests and bandwidth estimates passed to the
sender, sender reports translated for lip sync).

Everything runs synchronously in the socket's receive callback: no queue, no task per packet."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtptransceiver import RTCRtpTransceiver

from media import aiortc_hook as hook
from media import rtcp, rtp
from media.aiortc_hook import PacketLink
from media.codecs import codec_key
from media.keyframes import starts_keyframe
from media.rtp import ExtensionMap, Rebaser, RetransmitCache, RtpView

log = logging.getLogger(__name__)

PacketSink = Callable[[bytes, RtpView, int], None]  # packet, view, source sequence number


@dataclass
class Source:
    """What one leg sends, read by payload type (a leg has one audio and one video stream)."""

    side: str
    payload_types: dict[int, tuple[str, bool]]  # payload type -> (kind, is RTX)
    extensions: dict[str, dict[str, int]]  # kind -> uri -> id
    rtcp_ssrc: int  # the relay's SSRC towards this leg, as the sender of its RTCP
    links: list[PacketLink] = field(default_factory=list)
    current: dict[str, int] = field(default_factory=dict)  # kind -> media SSRC heard last
    packets_in: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})
    frames_in: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})

    def send_rtcp(self, packet: bytes) -> None:
        if self.links:
            self.links[0].send(packet)


@dataclass
class Outbound:
    """One stream the relay sends to one receiver: a transceiver's sender on a leg or monitor."""

    link: PacketLink
    kind: str
    codec_key: str
    payload_type: int
    ssrc: int
    extensions: dict[str, int]
    mid: str | None
    clock_rate: int
    # A leg's feedback (bandwidth, keyframe requests, NACKs the cache cannot answer) goes to
    # the sender; a monitor's does not.
    passes_feedback: bool
    need_keyframe: Callable[[], None]
    rebaser: Rebaser = field(init=False)
    cache: RetransmitCache | None = field(init=False)
    forwarded: int = 0
    retransmitted: int = 0
    _ext_source: Source | None = None
    _ext_map: ExtensionMap | None = None

    def __post_init__(self) -> None:
        self.rebaser = Rebaser(self.clock_rate)
        self.cache = RetransmitCache() if self.kind == "video" else None

    def forward(self, packet: bytes, view: RtpView, ssrc: int, now: float, source: Source) -> None:
        rebaser = self.rebaser
        if ssrc != rebaser.source:
            # A new receiver, or a new sender (a leg rejoined): start at a keyframe, one the
            # receiver can read.
            if self.kind == "video" and not (self.link.listening(now) and starts_keyframe(
                    self.codec_key, packet[view.payload_start:view.payload_end])):
                self.need_keyframe()
                return
            rebaser.switch(ssrc, view.seq, view.timestamp, now)
        if self._ext_source is not source or self._ext_map is None:
            self._ext_source = source
            self._ext_map = ExtensionMap.between(source.extensions.get(self.kind, {}),
                                                 self.extensions, self.mid)
        seq, timestamp = rebaser.map(view.seq, view.timestamp, now,
                                     view.payload_end - view.payload_start)
        out = rtp.rewrite(packet, view, self.payload_type, seq, timestamp, self.ssrc,
                          self._ext_map.apply(view))
        if self.cache is not None:
            self.cache.put(seq, out)
        self.link.send(out)
        self.forwarded += 1

    def resend(self, lost: tuple[int, ...]) -> list[int]:
        """Send again what the receiver lost; returns what the cache no longer has."""
        missing: list[int] = []
        for seq in lost:
            packet = self.cache.get(seq) if self.cache is not None else None
            if packet is None:
                missing.append(seq)
            else:
                self.link.send(packet)
                self.retransmitted += 1
        return missing


def outbound_for(link: PacketLink, transceiver: RTCRtpTransceiver, codec: RTCRtpCodecParameters,
                 passes_feedback: bool, need_keyframe: Callable[[], None]) -> Outbound:
    """The stream the relay writes itself on this transceiver, under aiortc's announced SSRC."""
    ssrc, _ = hook.sender_ssrcs(transceiver.sender)
    assert codec.payloadType is not None  # negotiated codecs always have one
    return Outbound(link, transceiver.kind, codec_key(codec), codec.payloadType, ssrc,
                    hook.negotiated_extensions(transceiver), transceiver.mid, codec.clockRate,
                    passes_feedback, need_keyframe)


class Forwarder:
    def __init__(self, request_keyframe: Callable[[str], None]) -> None:
        self._request_keyframe = request_keyframe
        self.sources: dict[str, Source] = {}
        self._routes: dict[tuple[str, str], list[Outbound]] = {}  # (source side, kind)
        self._sinks: dict[tuple[str, str], dict[str, PacketSink]] = {}
        self._by_ssrc: dict[tuple[int, int], tuple[str, Outbound]] = {}  # (link, ssrc)

    # wiring

    def add_source(self, source: Source) -> None:
        self.sources[source.side] = source

    def remove_source(self, source: Source) -> None:
        if self.sources.get(source.side) is source:
            del self.sources[source.side]

    def add_outbound(self, side: str, out: Outbound) -> None:
        self._routes.setdefault((side, out.kind), []).append(out)
        self._by_ssrc[(id(out.link), out.ssrc)] = (side, out)

    def remove_outbound(self, out: Outbound) -> None:
        for outs in self._routes.values():
            if out in outs:
                outs.remove(out)
        self._by_ssrc.pop((id(out.link), out.ssrc), None)

    def outbounds(self, side: str, kind: str) -> list[Outbound]:
        return list(self._routes.get((side, kind), []))

    def set_sink(self, side: str, kind: str, name: str, sink: PacketSink | None) -> None:
        sinks = self._sinks.setdefault((side, kind), {})
        if sink is None:
            sinks.pop(name, None)
        else:
            sinks[name] = sink

    def has_sink(self, side: str, kind: str, name: str) -> bool:
        return name in self._sinks.get((side, kind), {})

    # media

    def on_rtp(self, source: Source, packet: bytes) -> None:
        if self.sources.get(source.side) is not source:
            return  # a replaced leg's last packets
        view = rtp.parse(packet)
        if view is None:
            return
        entry = source.payload_types.get(view.payload_type)
        if entry is None:
            return
        kind, is_rtx = entry
        if is_rtx:
            unwrapped = rtp.unwrap_rtx(packet, view)
            ssrc = source.current.get(kind)
            if unwrapped is None or ssrc is None:
                return  # a padding probe, or a repair of a stream not yet heard
            packet, view = unwrapped
        else:
            ssrc = view.ssrc
            source.current[kind] = ssrc
            if view.payload_end == view.payload_start:
                return  # padding only
        source.packets_in[kind] += 1
        if view.marker or kind == "audio":
            source.frames_in[kind] += 1
        now = time.monotonic()
        for out in self._routes.get((source.side, kind), ()):
            out.forward(packet, view, ssrc, now, source)
        sinks = self._sinks.get((source.side, kind))
        if sinks:
            for sink in list(sinks.values()):
                sink(packet, view, view.seq)

    def on_rtcp(self, link: PacketLink, source: Source | None, packet: bytes) -> None:
        """RTCP arriving on `link`: feedback about what the relay sends there, and reports about
        what the leg (`source`, None for a monitor) sends."""
        for_aiortc = False
        for message in rtcp.parse(packet):
            if isinstance(message, rtcp.SenderReport):
                if source is not None and self.sources.get(source.side) is source:
                    self._translate_report(source, message)
                continue
            if isinstance(message, rtcp.ReceptionReports):
                for_aiortc |= not self._translate_blocks(link, message.blocks)
                continue
            ssrcs = (message.ssrcs if isinstance(message, rtcp.Remb)
                     else (message.media_ssrc,))
            found = [self._by_ssrc[key] for key in ((id(link), s) for s in ssrcs)
                     if key in self._by_ssrc]
            if not found:
                # About a sender aiortc drives itself (a transcoded direction): its business.
                for_aiortc = True
                continue
            side, out = found[0]
            # A monitor's feedback never reaches a sender: a keyframe or repair it asked for
            # would show in the sender's statistics (pliCount, nackCount) when it joins.
            if isinstance(message, rtcp.KeyframeRequest):
                if out.passes_feedback:
                    self._request_keyframe(side)
            elif isinstance(message, rtcp.Nack):
                missing = out.resend(message.lost)
                if missing and out.passes_feedback:
                    self._nack_upstream(side, out, missing)
            elif isinstance(message, rtcp.Remb) and out.passes_feedback:
                self.send_remb(side, out.kind, message.bitrate)
        if for_aiortc:
            link.to_aiortc(packet)

    def _translate_report(self, source: Source, report: rtcp.SenderReport) -> None:
        for out in self._routes.get((source.side, "audio"), []) + self._routes.get(
                (source.side, "video"), []):
            if out.rebaser.source == report.ssrc:
                out.link.send(rtcp.sender_report(rtcp.SenderReport(
                    out.ssrc, report.ntp, out.rebaser.target_ts(report.rtp_timestamp),
                    out.rebaser.sent, out.rebaser.octets)))

    def _translate_blocks(self, link: PacketLink, blocks: tuple[rtcp.ReportBlock, ...]) -> bool:
        """A leg's reception reports about what the relay forwards, passed to each sender in its
        own numbers (loss and round trip then span the whole path); False if some were about
        streams aiortc sends itself."""
        upstream: dict[str, list[rtcp.ReportBlock]] = {}
        known = True
        for block in blocks:
            found = self._by_ssrc.get((id(link), block.ssrc))
            if found is None:
                known = False
                continue
            side, out = found
            source_ssrc = out.rebaser.source
            if not out.passes_feedback or source_ssrc is None:
                continue
            highest = (block.highest_seq & 0xFFFF0000) | out.rebaser.source_seq(
                block.highest_seq & 0xFFFF)
            upstream.setdefault(side, []).append(rtcp.ReportBlock(
                source_ssrc, block.fraction_lost, block.cumulative_lost, highest, block.jitter,
                block.lsr, block.dlsr))
        for side, translated in upstream.items():
            source = self.sources.get(side)
            if source is not None:
                source.send_rtcp(rtcp.receiver_report(source.rtcp_ssrc, translated))
        return known

    def _nack_upstream(self, side: str, out: Outbound, missing: list[int]) -> None:
        source = self.sources.get(side)
        if source is None or out.rebaser.source is None:
            return
        lost = [out.rebaser.source_seq(seq) for seq in missing]
        source.send_rtcp(rtcp.nack(source.rtcp_ssrc, out.rebaser.source, lost))

    def send_pli(self, side: str) -> bool:
        """Ask the leg of `side` for a keyframe; False if it has not sent video yet."""
        source = self.sources.get(side)
        ssrc = source.current.get("video") if source else None
        if source is None or ssrc is None:
            return False
        source.send_rtcp(rtcp.pli(source.rtcp_ssrc, ssrc))
        return True

    def send_remb(self, side: str, kind: str, bitrate: int) -> None:
        source = self.sources.get(side)
        ssrc = source.current.get(kind) if source else None
        if source is not None and ssrc is not None:
            source.send_rtcp(rtcp.remb(source.rtcp_ssrc, bitrate, (ssrc,)))
