"""Synthetic media for the relay benchmark: VP8 and Opus encoded once and packetised once, then
replayed as RTP so that the benchmark's peers cost almost nothing; every frame is recognised on
arrival by its last packet's payload."""

from __future__ import annotations

import fractions
import hashlib
import math
import os
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc.codecs.vpx import Vp8Encoder
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


def packetise(loop: Loop, codec_name: str) -> list[list[bytes]]:
    """Each frame of a loop as the RTP payloads a browser would send (aiortc's own packer for
    VP8; an Opus packet is its own payload)."""
    if codec_name != "VP8":
        return [[p] for p in loop.packets]
    packer = Vp8Encoder()
    frames: list[list[bytes]] = []
    for index, data in enumerate(loop.packets):
        packet = Packet(data)
        packet.pts = index
        packet.time_base = fractions.Fraction(1, FPS)
        payloads, _ = packer.pack(packet)
        frames.append(payloads)
    return frames
