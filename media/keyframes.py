"""Which RTP packet starts a keyframe, read from the payload's first bytes only (RFC 7741 for VP8,
RFC 6184 for H264): a receiver that joins or a stream that changes source starts there; and
which packet can start any frame, for what puts frames back together."""

from __future__ import annotations

H264_IDR, H264_SPS, H264_STAP_A, H264_FU_A = 5, 7, 24, 28


def vp8_starts_keyframe(payload: bytes) -> bool:
    if not payload:
        return False
    first = payload[0]
    # S (start of partition) set and partition index 0: the first packet of a frame.
    if not first & 0x10 or first & 0x07:
        return False
    pos = 1
    if first & 0x80:  # X: extension bits follow
        if len(payload) < 2:
            return False
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id, one or two bytes
            if len(payload) <= pos:
                return False
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K: one byte between them
            pos += 1
    # The VP8 frame tag: P (bit 0) is 0 for a keyframe.
    return len(payload) > pos and payload[pos] & 0x01 == 0


def h264_starts_keyframe(payload: bytes) -> bool:
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type in (H264_IDR, H264_SPS):
        return True
    if nal_type == H264_FU_A:
        return len(payload) > 1 and bool(payload[1] & 0x80) and (payload[1] & 0x1F) in (
            H264_IDR, H264_SPS)
    if nal_type == H264_STAP_A:
        pos = 1
        while pos + 2 < len(payload):
            size = int.from_bytes(payload[pos:pos + 2], "big")
            if payload[pos + 2] & 0x1F in (H264_IDR, H264_SPS):
                return True
            pos += 2 + size
    return False


def starts_frame(key: str, payload: bytes) -> bool:
    """Whether an RTP payload can be the first packet of a video frame. A frame whose first
    packet was never seen (recording started mid-frame, or it was lost) must not be emitted:
    its first bytes would be read as a frame header, half of them look like a VP8 keyframe."""
    if not payload:
        return False
    if key == "video/vp8":  # RFC 7741 4.2: S set and partition index 0
        return payload[0] & 0x10 != 0 and payload[0] & 0x07 == 0
    if key == "video/h264":  # RFC 6184 5.2: a whole NAL unit, an aggregate, or a first fragment
        nal_type = payload[0] & 0x1F
        if nal_type == H264_FU_A:
            return len(payload) > 1 and payload[1] & 0x80 != 0
        return 1 <= nal_type <= H264_STAP_A
    return True


def starts_keyframe(codec_key: str, payload: bytes) -> bool:
    if codec_key == "video/vp8":
        return vp8_starts_keyframe(payload)
    if codec_key == "video/h264":
        return h264_starts_keyframe(payload)
    return True  # audio packets stand alone
