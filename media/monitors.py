"""Silent monitors of a visit: each its own peer connection, so neither leg can see one come or
go, fed the same forwarded packets as the legs, never transcoded. Nothing a monitor does reaches
a sender: it asks for no keyframe (it starts at the next scheduled one) and its feedback stops
at the relay (media.forwarder)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from media import aiortc_hook as hook
from media.codecs import choose_codec, chosen_with_rtx, codec_key
from media.forwarder import Outbound, outbound_for
from media.tracks import ForwardTrack
from signaling.ports import SdpError

if TYPE_CHECKING:
    from media.relay import RelaySession

KINDS = ("audio", "video")
# A monitor offers audio, video, audio, video: the family's media, then the station's.
OFFER_ORDER = ("family", "family", "station", "station")


@dataclass
class Monitor:
    monitor_id: str
    pc: RTCPeerConnection
    outbounds: list[Outbound] = field(default_factory=list)
    tracks: list[ForwardTrack] = field(default_factory=list)


def _no_request() -> None:
    pass


class MonitorSet:
    def __init__(self, session: RelaySession) -> None:
        self._session = session
        self._monitors: dict[str, Monitor] = {}

    def __len__(self) -> int:
        return len(self._monitors)

    async def add(self, monitor_id: str, offer_sdp: str) -> str:
        """Answer a monitor's offer of receive-only audio, video, audio, video. A monitor that
        cannot take the visit's codec is refused."""
        session = self._session
        await self.remove(monitor_id)
        # Two m-lines of a kind: aiortc's default (balanced) answerer leaves the second one on a
        # transport that bundling then stops; one transport for all is what browsers do anyway.
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        monitor = Monitor(monitor_id, pc)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            media = [t for t in pc.getTransceivers() if t.kind in KINDS]
            if [t.kind for t in media] != ["audio", "video", "audio", "video"]:
                raise SdpError("a monitor offers audio, video, audio, video")
            chosen = []
            for transceiver in media:
                offered = hook.negotiated_codecs(transceiver)
                visit_key = session.video_key if transceiver.kind == "video" else None
                codec = choose_codec(offered, visit_key)
                if codec is None or (visit_key is not None and codec_key(codec) != visit_key):
                    raise SdpError(f"the monitor cannot take this visit's {transceiver.kind} "
                                   "codec")
                hook.restrict_codecs(transceiver, chosen_with_rtx(offered, codec))
                track = ForwardTrack(transceiver.kind, lambda: None)  # never fed: it holds the
                transceiver.sender.replaceTrack(track)  # sender that announces the SSRC
                transceiver.direction = "sendonly"
                hook.quiet_sender_reports(transceiver.sender, lambda: True)
                monitor.tracks.append(track)
                chosen.append(codec)
            await pc.setLocalDescription(await pc.createAnswer())
            link = session.link_for(media[0], None)
            for transceiver, codec in zip(media, chosen, strict=True):
                # A monitor never asks for a keyframe: it starts at the next one the relay's
                # schedule asks for anyway (RelaySession), so no sender sees it join.
                out = outbound_for(link, transceiver, codec, False, _no_request)
                monitor.outbounds.append(out)
        except Exception as exc:
            with contextlib.suppress(Exception):
                await pc.close()
            if isinstance(exc, SdpError):
                raise
            raise SdpError(str(exc) or type(exc).__name__) from exc
        self._monitors[monitor_id] = monitor
        for out, side in zip(monitor.outbounds, OFFER_ORDER, strict=True):
            session.forwarder.add_outbound(side, out)
        return str(pc.localDescription.sdp)

    async def remove(self, monitor_id: str) -> None:
        monitor = self._monitors.pop(monitor_id, None)
        if monitor is None:
            return
        for out in monitor.outbounds:
            self._session.forwarder.remove_outbound(out)
        for track in monitor.tracks:
            track.stop()
        with contextlib.suppress(Exception):
            await monitor.pc.close()

    async def remove_all(self) -> None:
        for monitor_id in list(self._monitors):
            await self.remove(monitor_id)
