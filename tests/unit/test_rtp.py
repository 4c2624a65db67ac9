"""The rewriting rules of packet forwarding: what names a stream changes, the payload does not,
and sequence numbers and timestamps stay continuous across a change of source."""

from __future__ import annotations

import struct

from media import rtp
from media.keyframes import h264_starts_keyframe, vp8_starts_keyframe
from media.rtp import ExtensionMap, Rebaser, RetransmitCache

ABS = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
TWCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"


def packet(seq: int, ts: int, ssrc: int = 1111, pt: int = 96, marker: bool = False,
           ext: list[tuple[int, bytes]] | None = None, payload: bytes = b"payload",
           padding: int = 0) -> bytes:
    block = rtp.build_extensions(ext or [])
    b0 = 0x80 | (0x10 if block else 0) | (0x20 if padding else 0)
    pad = (b"\x00" * (padding - 1) + bytes([padding])) if padding else b""
    return struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc) + block \
        + payload + pad


def test_parse_finds_header_extensions_and_payload_without_padding() -> None:
    data = packet(7, 900, marker=True, ext=[(1, b"0"), (3, b"\x01\x02\x03")], padding=4)
    view = rtp.parse(data)
    assert view is not None
    assert (view.seq, view.timestamp, view.ssrc, view.marker, view.payload_type) == (
        7, 900, 1111, True, 96)
    assert view.extensions == ((1, b"0"), (3, b"\x01\x02\x03"))
    assert data[view.payload_start:view.payload_end] == b"payload"


def test_not_rtp_is_refused() -> None:
    assert rtp.parse(b"\x00" * 20) is None
    assert rtp.parse(b"\x80\x60") is None


def test_rewrite_renames_the_stream_and_keeps_the_payload() -> None:
    source = {"urn:ietf:params:rtp-hdrext:sdes:mid": 1, ABS: 3, TWCC: 5}
    target = {"urn:ietf:params:rtp-hdrext:sdes:mid": 4, ABS: 2, TWCC: 6}
    mapping = ExtensionMap.between(source, target, "3")
    data = packet(10, 5000, marker=True, ext=[(1, b"0"), (3, b"abc"), (5, b"\x00\x07")],
                  padding=2)
    view = rtp.parse(data)
    assert view is not None
    out = rtp.rewrite(data, view, 100, 20, 6000, 2222, mapping.apply(view))
    again = rtp.parse(out)
    assert again is not None
    assert (again.payload_type, again.seq, again.timestamp, again.ssrc, again.marker) == (
        100, 20, 6000, 2222, True)
    # The send time keeps its meaning under the target's id; the MID is the target's; the
    # transport-wide sequence number described the first leg only.
    assert again.extensions == ((2, b"abc"), (4, b"3"))
    assert out[again.payload_start:again.payload_end] == b"payload"


def test_rtx_becomes_the_packet_it_repairs() -> None:
    data = packet(500, 9000, pt=97, payload=struct.pack("!H", 42) + b"frame")
    view = rtp.parse(data)
    assert view is not None
    inner, repaired = rtp.unwrap_rtx(data, view)  # type: ignore[misc]
    assert repaired.seq == 42 and inner[repaired.payload_start:repaired.payload_end] == b"frame"
    probe = packet(501, 9000, pt=97, payload=b"", padding=200)
    probe_view = rtp.parse(probe)
    assert probe_view is not None and rtp.unwrap_rtx(probe, probe_view) is None


def test_rebaser_keeps_gaps_within_a_source_and_closes_them_across_sources() -> None:
    rebaser = Rebaser(90000)
    rebaser.switch(1, 65534, 4_294_967_000, now=10.0)
    assert rebaser.map(65534, 4_294_967_000, 10.0, 100) == (65534, 4_294_967_000)
    # A loss upstream stays a gap downstream, so the receiver asks for it; numbers wrap.
    assert rebaser.map(1, 3000, 10.033, 100) == (1, 3000)
    # The leg rejoins with new numbers: the stream carries on where it was, half a second on.
    rebaser.switch(2, 777, 123, now=10.533)
    seq, ts = rebaser.map(777, 123, 10.533, 100)
    assert seq == 2 and ts == 3000 + 45000
    assert rebaser.source_seq(2) == 777 and rebaser.target_ts(123 + 90) == ts + 90


def test_retransmit_cache_answers_only_what_it_still_holds() -> None:
    cache = RetransmitCache(size=4)
    for seq in range(10):
        cache.put(seq, bytes([seq]))
    assert cache.get(9) == b"\x09" and cache.get(5) is None and cache.get(4) is None


def test_keyframe_starts() -> None:
    # VP8: S bit, partition 0, with a two-byte picture id; then the frame tag, P=0 for a keyframe.
    assert vp8_starts_keyframe(bytes([0x90, 0x80, 0x81, 0x02, 0x10]))
    assert not vp8_starts_keyframe(bytes([0x90, 0x80, 0x81, 0x02, 0x11]))
    assert not vp8_starts_keyframe(bytes([0x80, 0x80, 0x81, 0x02, 0x10]))  # not a start
    assert vp8_starts_keyframe(bytes([0x10, 0x50]))
    # H264: an IDR, a STAP-A holding an SPS, the first FU-A fragment of an IDR; not its middle.
    assert h264_starts_keyframe(bytes([0x65, 0x88]))
    assert h264_starts_keyframe(bytes([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0x01]))
    assert h264_starts_keyframe(bytes([0x7C, 0x85, 0x00]))
    assert not h264_starts_keyframe(bytes([0x7C, 0x05, 0x00]))
    assert not h264_starts_keyframe(bytes([0x41, 0x9A]))


def test_a_frame_whose_first_packet_was_not_seen_is_dropped() -> None:
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters

    from media.frames import FrameAssembler

    vp8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
    frames: list[tuple[bytes, int, bool]] = []
    assembler = FrameAssembler(vp8, lambda data, ts, key: frames.append((data, ts, key)))

    def push(seq: int, ts: int, descriptor: int, body: bytes, marker: bool) -> None:
        data = packet(seq, ts, marker=marker, payload=bytes([descriptor]) + body)
        view = rtp.parse(data)
        assert view is not None
        assembler.push(data, view, seq)

    # Joined mid-frame: the tail's first byte reads as a keyframe tag (bit 0 clear).
    push(10, 3000, 0x00, b"\x02tail", True)
    # A whole frame: a start packet (S, partition 0) and its continuation.
    push(11, 6000, 0x10, b"\x00head", False)
    push(12, 6000, 0x00, b"-rest", True)
    # Its first packet lost: dropped.
    push(14, 9000, 0x00, b"\x02more", True)
    assert frames == [(b"\x00head-rest", 6000, True)]
