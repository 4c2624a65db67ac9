"""The few RTCP messages a forwarding relay acts on, read and written as pure functions (RFC 3550,
4585, 5104, draft-alvestrand-rmcat-remb). Anything else in a compound packet is skipped."""

from __future__ import annotations

import struct
from dataclasses import dataclass

SR, RR, SDES, BYE, RTPFB, PSFB = 200, 201, 202, 203, 205, 206
FMT_NACK = 1
FMT_PLI, FMT_FIR, FMT_APP = 1, 4, 15


@dataclass(frozen=True)
class SenderReport:
    ssrc: int
    ntp: int
    rtp_timestamp: int
    packets: int
    octets: int


@dataclass(frozen=True)
class ReportBlock:
    """What a receiver says about one stream it receives (RFC 3550 6.4.1)."""

    ssrc: int
    fraction_lost: int
    cumulative_lost: int
    highest_seq: int  # extended: cycles in the high 16 bits
    jitter: int
    lsr: int
    dlsr: int


@dataclass(frozen=True)
class ReceptionReports:
    """The report blocks of an RR, or of an SR when the receiver also sends."""

    blocks: tuple[ReportBlock, ...]


@dataclass(frozen=True)
class Nack:
    media_ssrc: int
    lost: tuple[int, ...]


@dataclass(frozen=True)
class KeyframeRequest:
    """A PLI or a FIR: the receiver of `media_ssrc` needs a keyframe."""

    media_ssrc: int


@dataclass(frozen=True)
class Remb:
    bitrate: int
    ssrcs: tuple[int, ...]


Message = SenderReport | ReceptionReports | Nack | KeyframeRequest | Remb
_BLOCK = struct.Struct("!IB3sIIII")


def is_rtcp(data: bytes) -> bool:
    """RFC 5761: on a muxed port, payload types 192-223 are RTCP."""
    return len(data) > 1 and 192 <= data[1] <= 223


def parse(data: bytes) -> list[Message]:
    out: list[Message] = []
    pos = 0
    while pos + 4 <= len(data):
        first, packet_type, words = struct.unpack_from("!BBH", data, pos)
        end = pos + 4 + 4 * words
        if first >> 6 != 2 or end > len(data):
            break
        body = data[pos + 4:end]
        fmt = first & 0x1F
        if packet_type == SR and len(body) >= 24:
            ssrc, ntp, rtp_ts, packets, octets = struct.unpack_from("!IQIII", body)
            out.append(SenderReport(ssrc, ntp, rtp_ts, packets, octets))
            if fmt:
                out.append(_blocks(body, 24, fmt))
        elif packet_type == RR and len(body) >= 4 and fmt:
            out.append(_blocks(body, 4, fmt))
        elif packet_type == RTPFB and fmt == FMT_NACK and len(body) >= 8:
            media = struct.unpack_from("!I", body, 4)[0]
            lost: list[int] = []
            for fci in range(8, len(body) - 3, 4):
                pid, blp = struct.unpack_from("!HH", body, fci)
                lost.append(pid)
                lost += [(pid + bit + 1) % 65536 for bit in range(16) if blp >> bit & 1]
            out.append(Nack(media, tuple(lost)))
        elif packet_type == PSFB and fmt == FMT_PLI and len(body) >= 8:
            out.append(KeyframeRequest(struct.unpack_from("!I", body, 4)[0]))
        elif packet_type == PSFB and fmt == FMT_FIR and len(body) >= 16:
            for fci in range(8, len(body) - 7, 8):
                out.append(KeyframeRequest(struct.unpack_from("!I", body, fci)[0]))
        elif packet_type == PSFB and fmt == FMT_APP and body[8:12] == b"REMB" and len(body) >= 16:
            count = body[12]
            value = int.from_bytes(body[13:16], "big")
            bitrate = (value & 0x3FFFF) << (value >> 18)
            ssrcs = struct.unpack_from(f"!{count}I", body, 16) if len(body) >= 16 + 4 * count \
                else ()
            out.append(Remb(bitrate, tuple(ssrcs)))
        pos = end
    return out


def _blocks(body: bytes, start: int, count: int) -> ReceptionReports:
    blocks = []
    for pos in range(start, min(len(body) - 23, start + 24 * count), 24):
        ssrc, fraction, lost, highest, jitter, lsr, dlsr = _BLOCK.unpack_from(body, pos)
        blocks.append(ReportBlock(ssrc, fraction, int.from_bytes(lost, "big"), highest, jitter,
                                  lsr, dlsr))
    return ReceptionReports(tuple(blocks))


def receiver_report(sender_ssrc: int, blocks: list[ReportBlock]) -> bytes:
    body = struct.pack("!I", sender_ssrc) + b"".join(
        _BLOCK.pack(b.ssrc, b.fraction_lost, (b.cumulative_lost & 0xFFFFFF).to_bytes(3, "big"),
                    b.highest_seq, b.jitter, b.lsr, b.dlsr) for b in blocks[:31])
    return _packet(min(len(blocks), 31), RR, body)


def _packet(fmt: int, packet_type: int, body: bytes) -> bytes:
    return struct.pack("!BBH", 0x80 | fmt, packet_type, len(body) // 4) + body


def sender_report(report: SenderReport) -> bytes:
    return _packet(0, SR, struct.pack("!IQIII", report.ssrc, report.ntp, report.rtp_timestamp,
                                      report.packets & 0xFFFFFFFF, report.octets & 0xFFFFFFFF))


def pli(sender_ssrc: int, media_ssrc: int) -> bytes:
    return _packet(FMT_PLI, PSFB, struct.pack("!II", sender_ssrc, media_ssrc))


def nack(sender_ssrc: int, media_ssrc: int, lost: list[int]) -> bytes:
    """Lost sequence numbers packed as (pid, bitmask) pairs."""
    pairs: list[tuple[int, int]] = []
    for seq in sorted(set(lost), key=lambda s: (s - lost[0]) % 65536):
        if pairs and 0 < (seq - pairs[-1][0]) % 65536 <= 16:
            pid, blp = pairs[-1]
            pairs[-1] = (pid, blp | 1 << ((seq - pid) % 65536 - 1))
        else:
            pairs.append((seq, 0))
    body = struct.pack("!II", sender_ssrc, media_ssrc) + b"".join(
        struct.pack("!HH", pid, blp) for pid, blp in pairs)
    return _packet(FMT_NACK, RTPFB, body)


def remb(sender_ssrc: int, bitrate: int, ssrcs: tuple[int, ...]) -> bytes:
    exponent = 0
    while bitrate >> exponent > 0x3FFFF:
        exponent += 1
    mantissa = bitrate >> exponent
    body = struct.pack("!II4sB", sender_ssrc, 0, b"REMB", len(ssrcs))
    body += ((exponent << 18) | mantissa).to_bytes(3, "big")
    body += b"".join(struct.pack("!I", s) for s in ssrcs)
    return _packet(FMT_APP, PSFB, body)
