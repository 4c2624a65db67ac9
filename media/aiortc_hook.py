"""The one place where sambang reaches into aiortc's internals, written for aiortc 1.16.0 (pinned
in pyproject.toml). tests/test_aiortc_hook.py fails loudly when an upgrade moves what this uses.

aiortc has no switch to receive encoded frames without decoding them (upstream declined it), so:
- a receiver's decoder queue is replaced by one that hands each reassembled, still-encoded frame
  to the relay; aiortc's decoder thread keeps waiting on the original queue and only ever sees the
  stop sentinel, so it ends as before;
- a sender is given a packer in place of its encoder, so packets go out without any codec context;
- keyframe requests (PLI/FIR) and bandwidth estimates (REMB) from a far receiver are observed at
  the sender, and a PLI or a capped REMB is sent upstream through the receiver.
"""

from __future__ import annotations

import fractions
import queue
from collections.abc import Callable
from typing import Any

import aiortc
from aiortc import RTCPeerConnection
from aiortc.codecs import get_encoder
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtcrtptransceiver import RTCRtpTransceiver
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, pack_remb_fci, unpack_remb_fci
from av.packet import Packet

AIORTC_VERSION = "1.16.0"

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_RTCP_SSRC = "_RTCRtpReceiver__rtcp_ssrc"
_ENCODER = "_RTCRtpSender__encoder"

OnEncoded = Callable[[RTCRtpCodecParameters, JitterFrame], None]


class HookError(RuntimeError):
    """aiortc no longer looks the way this module expects."""


def check_version() -> None:
    if aiortc.__version__ != AIORTC_VERSION:
        raise HookError(f"written for aiortc {AIORTC_VERSION}, found {aiortc.__version__}")


def _require(obj: object, name: str) -> Any:
    if not hasattr(obj, name):
        raise HookError(f"{type(obj).__name__} has no {name}: aiortc changed")
    return getattr(obj, name)


class _ForwardingQueue:
    def __init__(self, original: queue.Queue[Any], on_encoded: OnEncoded) -> None:
        self._original = original
        self._on_encoded = on_encoded

    def put(self, task: tuple[RTCRtpCodecParameters, JitterFrame] | None) -> None:
        if task is None:
            self._original.put(None)  # ends aiortc's decoder thread, which ends the track
        else:
            self._on_encoded(*task)

    def get(self) -> Any:
        return self._original.get()


class PromptJitterBuffer(JitterBuffer):
    """Releases a frame as soon as it is complete: at its marker bit for video, at once for audio.

    aiortc's buffer waits for the first packet of the next frame, a whole frame interval (~33 ms
    at 30 fps) per hop; a decoder needs that order, a forwarder does not: the far browser has its
    own jitter buffer."""

    def __init__(self, capacity: int, is_video: bool) -> None:
        super().__init__(capacity=capacity, is_video=is_video)
        self._every_packet_is_a_frame = not is_video

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        packets: list[Any] = []
        timestamp = None
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self.capacity]  # type: ignore[operator]
            if packet is None:
                return None
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:  # the marker was lost: the frame ended anyway
                self.remove(count)
                return JitterFrame(b"".join(p._data for p in packets), timestamp)
            packets.append(packet)
            if packet.marker or self._every_packet_is_a_frame:
                self.remove(count + 1)
                return JitterFrame(b"".join(p._data for p in packets), timestamp)
        return None


def forward_encoded(receiver: RTCRtpReceiver, on_encoded: OnEncoded) -> None:
    """Hand every encoded frame of `receiver` to `on_encoded` instead of its decoder, each as soon
    as it is complete.

    Call it before the receiver starts (from the peer connection's "track" event)."""
    original = _require(receiver, _DECODER_QUEUE)
    if not isinstance(original, queue.Queue):
        raise HookError("receiver's decoder queue is not a queue.Queue")
    buffer = _require(receiver, _JITTER_BUFFER)
    if not isinstance(buffer, JitterBuffer):
        raise HookError("receiver's jitter buffer is not aiortc's JitterBuffer")
    is_video = bool(_require(buffer, "_is_video"))
    setattr(receiver, _JITTER_BUFFER, PromptJitterBuffer(buffer.capacity, is_video))
    setattr(receiver, _DECODER_QUEUE, _ForwardingQueue(original, on_encoded))


def receiver_of(pc: RTCPeerConnection, track: MediaStreamTrack) -> RTCRtpReceiver | None:
    """The receiver behind a remote track, as the peer connection's "track" event gives it."""
    for transceiver in pc.getTransceivers():
        if transceiver.receiver.track is track:
            return transceiver.receiver
    return None


def forward_all_encoded(pc: RTCPeerConnection, on_encoded: OnEncoded) -> None:
    """Hand every encoded frame that `pc` receives, on every track, to `on_encoded`."""

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        receiver = receiver_of(pc, track)
        if receiver is not None:
            forward_encoded(receiver, on_encoded)


class OpusPacker:
    """Packs already-encoded Opus packets, like aiortc's OpusEncoder.pack, with no codec."""

    def pack(self, packet: Packet[Any]) -> tuple[list[bytes], int]:
        assert packet.pts is not None and packet.time_base is not None
        return [bytes(packet)], int(packet.pts * packet.time_base * 48000)

    def encode(self, frame: object, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        raise HookError("the relay must not encode audio")


def use_packer(sender: RTCRtpSender, codec: RTCRtpCodecParameters) -> object:
    """Give `sender` a packer for `codec` before its first frame, so it never opens an encoder."""
    _require(sender, _ENCODER)
    packer: object
    if codec.mimeType.lower() == "audio/opus":
        packer = OpusPacker()
    else:
        # aiortc's VP8 and H264 encoders open their codec context only in encode().
        packer = get_encoder(codec)
    setattr(sender, _ENCODER, packer)
    return packer


def sender_encoder(sender: RTCRtpSender) -> object | None:
    return _require(sender, _ENCODER)  # type: ignore[no-any-return]


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call `callback` when the far receiver asks this sender for a keyframe (PLI or FIR)."""
    _require(sender, "_send_keyframe")
    sender._send_keyframe = callback  # type: ignore[method-assign]


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


def cap_remb(receiver: RTCRtpReceiver, limit: Callable[[], int | None]) -> None:
    """Lower every REMB that `receiver` sends upstream to `limit()` when that is lower."""
    original = _require(receiver, "_send_rtcp")

    async def send(packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            cap = limit()
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                pass
            else:
                if cap is not None and cap < bitrate:
                    packet.fci = pack_remb_fci(cap, ssrcs)
        await original(packet)

    receiver._send_rtcp = send  # type: ignore[method-assign]


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    await _require(receiver, "_send_rtcp_pli")(media_ssrc)


async def send_remb(receiver: RTCRtpReceiver, bitrate: int, media_ssrc: int) -> None:
    """Tell the upstream sender at once that the far side can take no more than `bitrate`."""
    rtcp_ssrc = _require(receiver, _RTCP_SSRC)
    if rtcp_ssrc is None:
        return
    packet = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0,
                            fci=pack_remb_fci(bitrate, [media_ssrc]))
    await _require(receiver, "_send_rtcp")(packet)


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    return list(_require(transceiver, "_codecs"))


def restrict_codecs(transceiver: RTCRtpTransceiver, codecs: list[RTCRtpCodecParameters]) -> None:
    """Answer with only these codecs (after setRemoteDescription, before createAnswer)."""
    _require(transceiver, "_codecs")
    transceiver._codecs = codecs


def packet_from(frame: JitterFrame, clock_rate: int) -> Packet[Any]:
    packet = Packet(frame.data)
    packet.pts = frame.timestamp
    packet.time_base = fractions.Fraction(1, clock_rate)
    return packet
