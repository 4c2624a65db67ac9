"""Encoded frames put back together from forwarded packets, for the two consumers that need whole
frames: the recorder (only while recording) and the transcoder (only when the legs share no
codec). The forwarding path itself never reassembles."""

from __future__ import annotations

from collections.abc import Callable

from aiortc.codecs import depayload
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from media.codecs import codec_key, is_keyframe
from media.keyframes import starts_frame
from media.rtp import SEQ_MOD, RtpView

OnFrame = Callable[[bytes, int, bool], None]  # data, RTP timestamp, keyframe


class FrameAssembler:
    """Collects the payloads of one RTP timestamp until the marker bit (video) or hands each
    packet on (audio). A frame with a gap is dropped: half a frame decodes to garbage, and the
    decoder's next keyframe repairs what follows."""

    def __init__(self, codec: RTCRtpCodecParameters, on_frame: OnFrame) -> None:
        self.codec = codec
        self.key = codec_key(codec)
        self.video = self.key.startswith("video/")
        self._on_frame = on_frame
        self._parts: list[bytes] = []
        self._timestamp: int | None = None
        self._next_seq: int | None = None
        self._broken = False
        self.frames = 0

    def push(self, packet: bytes, view: RtpView, seq: int) -> None:
        payload = packet[view.payload_start:view.payload_end]
        try:
            data = depayload(self.codec, payload)
        except ValueError:
            self._broken = True
            return
        if not self.video:
            self._emit(data, view.timestamp)
            return
        if view.timestamp != self._timestamp:
            self._parts, self._timestamp = [], view.timestamp
            self._broken = not starts_frame(self.key, payload)
        elif seq != self._next_seq:
            self._broken = True
        self._next_seq = (seq + 1) % SEQ_MOD
        self._parts.append(data)
        if view.marker:
            if not self._broken:
                self._emit(b"".join(self._parts), view.timestamp)
            self._parts, self._timestamp = [], None

    def _emit(self, data: bytes, timestamp: int) -> None:
        if data:
            self.frames += 1
            self._on_frame(data, timestamp, is_keyframe(self.key, data))
