"""Synthetic media for the relay benchmark: VP8 and Opus encoded once, then replayed as packets so
that the benchmark's peers cost almost nothing and every frame can be recognised by its bytes."""

from __future__ import annotations

import asyncio
import fractions
import hashlib
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc.mediastreams import MediaStreamTrack
from av.packet import Packet

FPS = 30
WIDTH, HEIGHT = 640, 480
VIDEO_CLOCK = 90000
AUDIO_CLOCK = 48000
AUDIO_PACKET_SECONDS = 0.02


@dataclass
class Loop:
    """A loop of encoded frames and how to recognise each one on arrival."""

    packets: list[bytes]
    interval: float
    clock_rate: int
    index_of: dict[bytes, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index_of = {digest(p): i for i, p in enumerate(self.packets)}


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


def _picture(n: int) -> av.VideoFrame:
    """A gradient that scrolls with a block of noise moving across it: a codec must work."""
    frame = av.VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
    row = bytes((x + 4 * n) % 256 for x in range(WIDTH))
    luma = bytearray(row * HEIGHT)
    bx, by = (n * 11) % (WIDTH - 160), (n * 7) % (HEIGHT - 120)
    noise = os.urandom(160 * 120)
    for y in range(120):
        start = (by + y) * WIDTH + bx
        luma[start:start + 160] = noise[y * 160:(y + 1) * 160]
    frame.planes[0].update(bytes(luma))
    chroma = bytes([(128 + n) % 256]) * (WIDTH // 2 * HEIGHT // 2)
    frame.planes[1].update(chroma)
    frame.planes[2].update(chroma)
    return frame


def encode_video(frames: int = 90, bitrate: int = 1_000_000) -> Loop:
    codec: Any = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    codec.framerate = fractions.Fraction(FPS, 1)
    codec.time_base = fractions.Fraction(1, FPS)
    codec.bit_rate = bitrate
    codec.gop_size = frames  # one keyframe per loop, at its start
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    packets: list[bytes] = []
    for n in range(frames):
        picture = _picture(n)
        picture.pts = n
        packets += [bytes(p) for p in codec.encode(picture)]
    packets += [bytes(p) for p in codec.encode(None)]
    return Loop(packets[:frames], 1 / FPS, VIDEO_CLOCK)


def encode_audio(packets: int = 50) -> Loop:
    codec: Any = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = AUDIO_CLOCK, "stereo", "s16"
    codec.bit_rate = 32000
    samples = int(AUDIO_CLOCK * AUDIO_PACKET_SECONDS)
    out: list[bytes] = []
    n = 0
    while len(out) < packets:
        frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
        tone = b"".join(
            int(8000 * math.sin(2 * math.pi * 440 * (n * samples + i) / AUDIO_CLOCK)).to_bytes(
                2, "little", signed=True) * 2
            for i in range(samples)
        )
        frame.planes[0].update(tone)
        frame.sample_rate = AUDIO_CLOCK
        frame.pts = n * samples
        out += [bytes(p) for p in codec.encode(frame)]
        n += 1
    return Loop(out[:packets], AUDIO_PACKET_SECONDS, AUDIO_CLOCK)


class LoopTrack(MediaStreamTrack):
    """Replays a loop in real time, noting when each frame left."""

    def __init__(self, kind: str, loop: Loop) -> None:
        super().__init__()
        self.kind = kind
        self.loop = loop
        self.sent_at: dict[int, float] = {}
        self._n = 0
        self._start: float | None = None

    async def recv(self) -> Packet[Any]:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._n * self.loop.interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        index = self._n % len(self.loop.packets)
        packet = Packet(self.loop.packets[index])
        packet.pts = round(self._n * self.loop.interval * self.loop.clock_rate)
        packet.time_base = fractions.Fraction(1, self.loop.clock_rate)
        self.sent_at[index] = time.monotonic()
        self._n += 1
        return packet
