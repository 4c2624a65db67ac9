"""Codec rules for forwarding, as pure functions: which codec a visit uses, whether a direction can
be forwarded or must be transcoded, and which encoded frames are keyframes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


class CodecLike(Protocol):
    @property
    def mimeType(self) -> str: ...  # noqa: N802 (aiortc's name)

    @property
    def parameters(self) -> Mapping[str, object]: ...


C = TypeVar("C", bound=CodecLike)


def is_rtx(codec: CodecLike) -> bool:
    return codec.mimeType.lower().endswith("/rtx")


def codec_key(codec: CodecLike) -> str:
    """Codecs with one key can take each other's streams unchanged.

    Every H264 that aiortc negotiates is packetization-mode 1 with a (constrained) baseline
    profile, which any of them decodes, so H264 is one key."""
    return codec.mimeType.lower()


def choose_codec(offered: Sequence[C], visit_key: str | None) -> C | None:
    """The codec to answer a leg with: the visit's if this leg can take it, otherwise the leg's own
    first choice (which means transcoding), or None when nothing is offered."""
    media = [c for c in offered if not is_rtx(c)]
    if not media:
        return None
    if visit_key is not None:
        for codec in media:
            if codec_key(codec) == visit_key:
                return codec
    return media[0]


def chosen_with_rtx(offered: Sequence[C], chosen: C) -> list[C]:
    """What to answer with: the chosen codec and the RTX that repairs it."""
    payload_type = getattr(chosen, "payloadType", None)
    return [chosen] + [c for c in offered
                       if is_rtx(c) and c.parameters.get("apt") == payload_type]


def vp8_is_keyframe(data: bytes) -> bool:
    # RFC 6386 9.1: the lowest bit of the first byte is 0 for a key frame.
    return len(data) > 0 and data[0] & 0x01 == 0


def h264_is_keyframe(data: bytes) -> bool:
    """An Annex-B access unit holding an IDR slice or a sequence parameter set."""
    start = 0
    while True:
        found = data.find(b"\x00\x00\x01", start)
        if found == -1 or found + 3 >= len(data):
            return False
        nal_type = data[found + 3] & 0x1F
        if nal_type in (5, 7):
            return True
        start = found + 3


def is_keyframe(key: str, data: bytes) -> bool:
    if key == "video/vp8":
        return vp8_is_keyframe(data)
    if key == "video/h264":
        return h264_is_keyframe(data)
    return True  # audio frames stand alone


@dataclass
class RateLimit:
    """At most one event per `interval` seconds; the clock is passed in."""

    interval: float
    last: float | None = None

    def allow(self, now: float) -> bool:
        if self.last is not None and now - self.last < self.interval:
            return False
        self.last = now
        return True
