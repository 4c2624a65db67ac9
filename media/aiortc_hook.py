"""The one place where sambang reaches into aiortc's and aioice's internals, written for aiortc
1.16.0 and aioice 0.13.0 (both pinned in pyproject.toml). tests/integration/test_aiortc_hook.py
fails loudly when an upgrade of either moves what this uses.

aiortc keeps what it does well: ICE, DTLS and the SRTP keys. Media packets bypass the rest of it:
- `PacketLink` takes SRTP datagrams as they come off the ICE pair's socket (before aioice queues
  them for aiortc's per-packet coroutines), unprotects them with the SRTP session aiortc's DTLS
  agreed, and sends packets by protecting them and writing them straight to the nominated pair;
- a receiver's decoder queue is replaced by one that drops what reaches it (only the few packets
  that arrive before the link is in place), so the relay never decodes;
- a sender whose packets the relay writes itself must not send aiortc's own sender reports,
  which would describe a stream it never sent.
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import Callable
from typing import Any

import aioice
import aiortc
import pylibsrtp
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtcrtptransceiver import RTCRtpTransceiver
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_RTPFB_NACK,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    pack_remb_fci,
    unpack_remb_fci,
)

AIORTC_VERSION = "1.16.0"
AIOICE_VERSION = "0.13.0"

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_RTCP_SSRC = "_RTCRtpReceiver__rtcp_ssrc"

OnPacket = Callable[[bytes], None]
LISTENING_AFTER = 0.1


class HookError(RuntimeError):
    """aiortc or aioice no longer looks the way this module expects."""


def check_version() -> None:
    if aiortc.__version__ != AIORTC_VERSION:
        raise HookError(f"written for aiortc {AIORTC_VERSION}, found {aiortc.__version__}")
    if aioice.__version__ != AIOICE_VERSION:
        raise HookError(f"written for aioice {AIOICE_VERSION}, found {aioice.__version__}")


def _require(obj: object, name: str) -> Any:
    if not hasattr(obj, name):
        raise HookError(f"{type(obj).__name__} has no {name}: aiortc changed")
    return getattr(obj, name)


class PacketLink:
    """The media packets of one DTLS transport (one per peer connection when bundled).

    `on_rtp` and `on_rtcp` get each unprotected packet, synchronously, from the socket's own
    callback: no queue, no coroutine per packet. Datagrams that are not SRTP (STUN, DTLS) still go
    to aioice and aiortc as before."""

    def __init__(self, dtls: RTCDtlsTransport, on_rtp: OnPacket, on_rtcp: OnPacket) -> None:
        self.dtls = dtls
        self.on_rtp = on_rtp
        self.on_rtcp = on_rtcp
        self.ready = False
        self.ready_at = 0.0
        self.received = self.sent = self.rejected = 0
        self._connection = _require(_require(dtls, "transport"), "_connection")
        for name in ("_protocols", "_nominated"):
            _require(self._connection, name)
        self._rx: Any = None
        self._tx: Any = None
        self._pair: Any = None
        self._socket: Any = None
        self._remote: tuple[Any, ...] = ()
        dtls.on("statechange", self._on_state)
        self._on_state()

    def _on_state(self) -> None:
        if self.ready or self.dtls.state != "connected":
            return
        self._rx = _require(self.dtls, "_rx_srtp")
        self._tx = _require(self.dtls, "_tx_srtp")
        for protocol in self._connection._protocols:
            original = _require(protocol, "datagram_received")
            protocol.datagram_received = self._receiver(original)
        self.ready = True
        self.ready_at = time.monotonic()

    def listening(self, now: float) -> bool:
        """Whether the peer can read SRTP yet: its DTLS may finish a moment after ours, and a
        keyframe sent before that is lost. Anything it sent proves it; otherwise give it 0.1 s."""
        return self.ready and (self.received > 0 or now - self.ready_at > LISTENING_AFTER)

    def _receiver(self, original: Callable[[bytes, Any], None]) -> Callable[[bytes, Any], None]:
        def datagram_received(data: bytes, addr: Any) -> None:
            if not data or not 127 < data[0] < 192:
                original(data, addr)
                return
            # From any address: the two ends may each have nominated a different pair, and a
            # datagram that does not authenticate under the SRTP keys is dropped below anyway.
            try:
                if 192 <= data[1] <= 223:
                    packet = self._rx.unprotect_rtcp(data)
                    self.received += 1
                    self.on_rtcp(packet)
                else:
                    packet = self._rx.unprotect(data)
                    self.received += 1
                    self.on_rtp(packet)
            except pylibsrtp.Error:
                self.rejected += 1

        return datagram_received

    def _refresh(self) -> bool:
        """Follow the nominated pair (it may change); False while there is none."""
        pair = self._connection._nominated.get(1)
        if pair is None:
            return False
        if pair is not self._pair:
            self._pair = pair
            self._socket = pair.protocol.transport
            self._remote = pair.remote_addr
        return True

    def send(self, packet: bytes) -> None:
        """Protect an RTP or RTCP packet and send it to the peer at once."""
        if not self.ready or (self._connection._nominated.get(1) is not self._pair
                              and not self._refresh()):
            return
        if 192 <= packet[1] <= 223:
            data = self._tx.protect_rtcp(packet)
        else:
            data = self._tx.protect(packet)
        self._socket.sendto(data, self._remote)
        self.sent += 1

    def to_aiortc(self, rtcp: bytes) -> None:
        """Let aiortc's own senders and receivers handle an (unprotected) RTCP packet."""
        asyncio.ensure_future(_require(self.dtls, "_handle_rtcp_data")(rtcp))


def dtls_of(transceiver: RTCRtpTransceiver) -> RTCDtlsTransport:
    transport = transceiver.sender.transport
    if not isinstance(transport, RTCDtlsTransport):
        raise HookError("a transceiver without a DTLS transport")
    return transport


class _DroppingQueue:
    """Stands in for a receiver's decoder queue: the relay never decodes. The stop sentinel still
    reaches aiortc's decoder thread, which then ends as before."""

    def __init__(self, original: queue.Queue[Any]) -> None:
        self._original = original
        self.dropped = 0

    def put(self, task: object) -> None:
        if task is None:
            self._original.put(None)
        else:
            self.dropped += 1

    def get(self) -> Any:
        return self._original.get()


def never_decode(receiver: RTCRtpReceiver) -> None:
    """Call before the receiver starts (from the peer connection's "track" event)."""
    original = _require(receiver, _DECODER_QUEUE)
    if not isinstance(original, queue.Queue):
        raise HookError("receiver's decoder queue is not a queue.Queue")
    setattr(receiver, _DECODER_QUEUE, _DroppingQueue(original))


def decoder_queue(receiver: RTCRtpReceiver) -> Any:
    return _require(receiver, _DECODER_QUEUE)


def receiver_of(pc: RTCPeerConnection, track: MediaStreamTrack) -> RTCRtpReceiver | None:
    """The receiver behind a remote track, as the peer connection's "track" event gives it."""
    for transceiver in pc.getTransceivers():
        if transceiver.receiver.track is track:
            return transceiver.receiver
    return None


def sender_ssrcs(sender: RTCRtpSender) -> tuple[int, int]:
    """The SSRCs aiortc announced for this sender: media and RTX."""
    return int(_require(sender, "_ssrc")), int(_require(sender, "_rtx_ssrc"))


def quiet_sender_reports(sender: RTCRtpSender, quiet: Callable[[], bool]) -> None:
    """Keep aiortc's sender from sending its RTCP (reports of a stream it did not send) while
    `quiet()` holds; the relay sends translated reports for the packets it forwards."""
    original = _require(sender, "_send_rtcp")

    async def send(packets: Any) -> None:
        if not quiet():
            await original(packets)

    sender._send_rtcp = send  # type: ignore[method-assign]


def sender_encoder(sender: RTCRtpSender) -> object | None:
    return _require(sender, "_RTCRtpSender__encoder")  # type: ignore[no-any-return]


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    return list(_require(transceiver, "_codecs"))


def restrict_codecs(transceiver: RTCRtpTransceiver, codecs: list[RTCRtpCodecParameters]) -> None:
    """Answer with only these codecs (after setRemoteDescription, before createAnswer)."""
    _require(transceiver, "_codecs")
    transceiver._codecs = codecs


def negotiated_extensions(transceiver: RTCRtpTransceiver) -> dict[str, int]:
    """Header extension ids by URI, as negotiated (after setRemoteDescription)."""
    return {e.uri: e.id for e in _require(transceiver, "_headerExtensions")}


# For tests that play a browser: what a far receiver sends and what a sender hears.

def on_remb(sender: RTCRtpSender, callback: Callable[[int], None]) -> None:
    """Call `callback(bps)` with each bandwidth estimate that the far receiver sends."""
    original = _require(sender, "_handle_rtcp_packet")

    async def handle(packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, _ = unpack_remb_fci(packet.fci)
            except ValueError:
                pass
            else:
                callback(bitrate)
        await original(packet)

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]


def on_nack(sender: RTCRtpSender, callback: Callable[[list[int]], None]) -> None:
    """Call `callback(lost)` with each NACK that the far receiver sends about this sender."""
    original = _require(sender, "_handle_rtcp_packet")

    async def handle(packet: Any) -> None:
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            callback(list(packet.lost))
        await original(packet)

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    await _require(receiver, "_send_rtcp_pli")(media_ssrc)


async def send_nack(receiver: RTCRtpReceiver, media_ssrc: int, lost: list[int]) -> None:
    await _require(receiver, "_send_rtcp_nack")(media_ssrc, lost)


async def send_remb(receiver: RTCRtpReceiver, bitrate: int, media_ssrc: int) -> None:
    """Tell the upstream sender that this receiver can take no more than `bitrate`."""
    rtcp_ssrc = _require(receiver, _RTCP_SSRC)
    if rtcp_ssrc is None:
        return
    packet = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0,
                            fci=pack_remb_fci(bitrate, [media_ssrc]))
    await _require(receiver, "_send_rtcp")(packet)
