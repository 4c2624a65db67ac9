from dataclasses import dataclass, field

from media.codecs import (
    RateLimit,
    choose_codec,
    codec_key,
    h264_is_keyframe,
    is_keyframe,
    vp8_is_keyframe,
)


@dataclass
class Codec:
    mimeType: str  # noqa: N815 (aiortc's name)
    parameters: dict[str, object] = field(default_factory=dict)


VP8 = Codec("video/VP8")
H264 = Codec("video/H264", {"packetization-mode": 1, "profile-level-id": "42e01f"})
RTX = Codec("video/rtx", {"apt": 96})


def test_first_leg_chooses_by_its_own_preference() -> None:
    assert choose_codec([RTX, H264, VP8], None) is H264
    assert choose_codec([VP8, H264], None) is VP8
    assert choose_codec([RTX], None) is None


def test_second_leg_gets_the_visits_codec_when_it_has_it() -> None:
    assert choose_codec([VP8, RTX, H264], codec_key(H264)) is H264
    # A leg without the visit's codec answers with its own: the relay must transcode.
    assert choose_codec([VP8], codec_key(H264)) is VP8


def test_keyframes_are_recognised() -> None:
    assert vp8_is_keyframe(bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]))
    assert not vp8_is_keyframe(bytes([0x31, 0x02, 0x00]))
    assert not vp8_is_keyframe(b"")
    sps_idr = b"\x00\x00\x00\x01\x67\x42\xe0\x1f" + b"\x00\x00\x00\x01\x65\x88"
    p_slice = b"\x00\x00\x00\x01\x41\x9a\x00"
    assert h264_is_keyframe(sps_idr)
    assert h264_is_keyframe(b"\x00\x00\x01\x65\x88\x84")
    assert not h264_is_keyframe(p_slice)
    assert not h264_is_keyframe(b"\x00\x00\x01")
    assert is_keyframe("audio/opus", b"\x01")


def test_rate_limit() -> None:
    limit = RateLimit(0.25)
    assert [limit.allow(t) for t in (0.0, 0.1, 0.24, 0.25, 0.3, 0.6)] == [
        True, False, False, True, False, True
    ]
