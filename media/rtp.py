"""RTP rewriting rules for packet forwarding, as pure functions and small state holders.

A forwarded packet keeps its payload byte for byte; what changes is what names the stream on the
far leg: SSRC, payload type, header extension ids (and the MID, which is per leg), and sequence
numbers and timestamps, which must stay continuous for the far receiver when the source changes
(a leg that rejoins) or when a receiver starts at a keyframe. No reordering, no buffering: the far
browser has a jitter buffer of its own.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SEQ_MOD = 1 << 16
TS_MOD = 1 << 32
_HEADER = struct.Struct("!BBHII")
_EXT_HEADER = struct.Struct("!HH")
ONE_BYTE_PROFILE = 0xBEDE


class RtpView:
    """Where the parts of one RTP packet are (no copy of the payload). A plain slotted class:
    this is made for every packet, and a frozen dataclass costs twice as much to build."""

    __slots__ = ("marker", "payload_type", "seq", "timestamp", "ssrc", "ext_profile",
                 "ext_block", "payload_start", "payload_end")

    def __init__(self, marker: bool, payload_type: int, seq: int, timestamp: int, ssrc: int,
                 ext_profile: int, ext_block: bytes, payload_start: int,
                 payload_end: int) -> None:
        self.marker = marker
        self.payload_type = payload_type
        self.seq = seq
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.ext_profile = ext_profile
        self.ext_block = ext_block  # the elements, without profile and length
        self.payload_start = payload_start
        self.payload_end = payload_end  # without padding

    @property
    def extensions(self) -> tuple[tuple[int, bytes], ...]:
        return parse_extensions(self.ext_profile, self.ext_block)


def parse(data: bytes) -> RtpView | None:
    """None for anything that is not a well-formed RTP packet."""
    if len(data) < 12:
        return None
    b0, b1, seq, timestamp, ssrc = _HEADER.unpack_from(data)
    if b0 >> 6 != 2:
        return None
    pos = 12 + 4 * (b0 & 0x0F)
    profile, block = 0, b""
    if b0 & 0x10:
        if len(data) < pos + 4:
            return None
        profile, words = _EXT_HEADER.unpack_from(data, pos)
        end = pos + 4 + 4 * words
        if len(data) < end:
            return None
        block = data[pos + 4:end]
        pos = end
    payload_end = len(data)
    if b0 & 0x20:
        payload_end -= data[-1]
        if payload_end < pos:
            return None
    return RtpView(b1 >= 0x80, b1 & 0x7F, seq, timestamp, ssrc, profile, block, pos,
                   payload_end)


def parse_extensions(profile: int, block: bytes) -> tuple[tuple[int, bytes], ...]:
    """RFC 8285 elements of one- or two-byte form; anything else is dropped."""
    out: list[tuple[int, bytes]] = []
    pos, end = 0, len(block)
    if profile == ONE_BYTE_PROFILE:
        while pos < end:
            head = block[pos]
            if head == 0:  # padding
                pos += 1
                continue
            ext_id, length = head >> 4, (head & 0x0F) + 1
            if ext_id == 15:
                break
            out.append((ext_id, block[pos + 1:pos + 1 + length]))
            pos += 1 + length
    elif profile >> 4 == 0x100:
        while pos + 1 < end:
            ext_id = block[pos]
            if ext_id == 0:
                pos += 1
                continue
            length = block[pos + 1]
            out.append((ext_id, block[pos + 2:pos + 2 + length]))
            pos += 2 + length
    return tuple(out)


def build_extensions(elements: list[tuple[int, bytes]]) -> bytes:
    """The extension block (profile, length, elements, padding) or b"" when there is none."""
    if not elements:
        return b""
    if all(0 < i < 15 and 0 < len(v) <= 16 for i, v in elements):
        body = b"".join(bytes([(i << 4) | (len(v) - 1)]) + v for i, v in elements)
        profile = ONE_BYTE_PROFILE
    else:
        body = b"".join(bytes([i, len(v)]) + v for i, v in elements)
        profile = 0x1000
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("!HH", profile, len(body) // 4) + body


MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
# What the far receiver may use unchanged: the sender's own send time (its bandwidth estimate then
# covers the whole path) and the audio level. Stream ids and transport-wide sequence numbers
# describe the first leg only and are dropped.
ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
KEPT_URIS = frozenset({
    ABS_SEND_TIME_URI,
    AUDIO_LEVEL_URI,
    "urn:ietf:params:rtp-hdrext:toffset",
    "urn:3gpp:video-orientation",
})


class ExtensionMap:
    """How one source leg's extension ids become one target leg's."""

    def __init__(self, ids: Mapping[int, int], mid: tuple[int, bytes] | None) -> None:
        self.ids = dict(ids)  # source id -> target id
        self.mid = mid  # the target's MID element, written on every packet
        self._mid_only = build_extensions([mid] if mid else [])
        # The usual case, one-byte elements in and out, rewritten without building a list.
        self._one_byte = all(0 < i < 15 for i in self.ids.values()) and (
            mid is None or (0 < mid[0] < 15 and 0 < len(mid[1]) <= 16))
        self._new_id = [self.ids.get(i, 0) for i in range(16)]
        self._mid_element = bytes([(mid[0] << 4) | (len(mid[1]) - 1)]) + mid[1] if mid and \
            self._one_byte else b""

    @classmethod
    def between(cls, source: Mapping[str, int], target: Mapping[str, int],
                target_mid: str | None) -> ExtensionMap:
        ids = {source[uri]: target[uri] for uri in KEPT_URIS if uri in source and uri in target}
        mid_id = target.get(MID_URI)
        mid = (mid_id, target_mid.encode()) if mid_id and target_mid else None
        return cls(ids, mid)

    def apply(self, view: RtpView) -> bytes:
        block = view.ext_block
        if not block:
            return self._mid_only
        if not (self._one_byte and view.ext_profile == ONE_BYTE_PROFILE):
            out = [(self.ids[i], v) for i, v in view.extensions if i in self.ids]
            if self.mid is not None:
                out.append(self.mid)
            return build_extensions(out)
        new_id = self._new_id
        body = bytearray()
        pos, end = 0, len(block)
        while pos < end:
            head = block[pos]
            if head == 0:
                pos += 1
                continue
            if head >> 4 == 15:
                break
            length = (head & 0x0F) + 1
            target = new_id[head >> 4]
            if target:
                body.append((target << 4) | (head & 0x0F))
                body += block[pos + 1:pos + 1 + length]
            pos += 1 + length
        body += self._mid_element
        if not body:
            return b""
        body += bytes(-len(body) % 4)
        return _EXT_HEADER.pack(ONE_BYTE_PROFILE, len(body) // 4) + body


def rewrite(data: bytes, view: RtpView, payload_type: int, seq: int, timestamp: int, ssrc: int,
            extensions: bytes) -> bytes:
    """The packet as the target leg must see it; payload and padding unchanged, CSRCs dropped."""
    b0 = (data[0] & 0xE0) | (0x10 if extensions else 0)
    b1 = (0x80 if view.marker else 0) | payload_type
    return _HEADER.pack(b0, b1, seq, timestamp, ssrc) + extensions + data[view.payload_start:]


def unwrap_rtx(data: bytes, view: RtpView) -> tuple[bytes, RtpView] | None:
    """An RTX packet (RFC 4588) as the packet it repairs, on the RTX stream's SSRC; None for a
    padding-only probe."""
    start = view.payload_start
    if view.payload_end - start < 3:
        return None
    original_seq = int.from_bytes(data[start:start + 2], "big")
    inner = data[:start] + data[start + 2:]
    return inner, RtpView(view.marker, view.payload_type, original_seq, view.timestamp,
                          view.ssrc, view.ext_profile, view.ext_block, start,
                          view.payload_end - 2)


def seq_newer(a: int, b: int) -> bool:
    """a comes after b, allowing for wrap-around."""
    return a != b and ((a - b) % SEQ_MOD) < SEQ_MOD // 2


@dataclass
class Rebaser:
    """Sequence numbers and timestamps of one outgoing stream, continuous whatever the source.

    Within one source, gaps are kept (the far receiver must see a loss to ask for it again); when
    the source changes, the next packet follows the last one sent, its timestamp advanced by the
    time that passed."""

    clock_rate: int
    source: int | None = None
    seq_delta: int = 0
    ts_delta: int = 0
    last_seq: int | None = None
    last_ts: int = 0
    last_time: float = 0.0
    sent: int = 0
    octets: int = 0

    def switch(self, source: int, seq: int, timestamp: int, now: float) -> None:
        self.source = source
        if self.last_seq is None:
            self.seq_delta = self.ts_delta = 0
            return
        self.seq_delta = (self.last_seq + 1 - seq) % SEQ_MOD
        elapsed = max(1, int((now - self.last_time) * self.clock_rate))
        self.ts_delta = (self.last_ts + elapsed - timestamp) % TS_MOD

    def map(self, seq: int, timestamp: int, now: float, size: int) -> tuple[int, int]:
        out_seq = (seq + self.seq_delta) % SEQ_MOD
        out_ts = (timestamp + self.ts_delta) % TS_MOD
        if self.last_seq is None or seq_newer(out_seq, self.last_seq):
            self.last_seq, self.last_ts, self.last_time = out_seq, out_ts, now
        self.sent += 1
        self.octets += size
        return out_seq, out_ts

    def source_seq(self, out_seq: int) -> int:
        return (out_seq - self.seq_delta) % SEQ_MOD

    def target_ts(self, timestamp: int) -> int:
        """A source timestamp (of a sender report) on this stream's clock."""
        return (timestamp + self.ts_delta) % TS_MOD


@dataclass
class RetransmitCache:
    """The last packets sent on one stream, as sent (before SRTP), to answer NACKs."""

    size: int = 256
    _slots: list[tuple[int, bytes] | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._slots = [None] * self.size

    def put(self, seq: int, packet: bytes) -> None:
        self._slots[seq % self.size] = (seq, packet)

    def get(self, seq: int) -> bytes | None:
        slot = self._slots[seq % self.size]
        return slot[1] if slot is not None and slot[0] == seq else None
