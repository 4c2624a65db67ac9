"""What the relay's answer tells a page's encoder, adjusted before the page reads it.

Opus in-band FEC: a receiver that declares `useinbandfec=1` for Opus gets, in each packet, a
low-bitrate copy of the one before, so one lost packet on a weak mobile link is rebuilt instead of
heard as a gap. The relay forwards Opus packets as they come, so it is the far page that profits:
every answer says it, and each page's encoder then adds FEC as the loss it is told of rises.
aiortc's answer carries no Opus parameters at all, hence this pure rewrite of its text.
"""

from __future__ import annotations

import re

OPUS_RTPMAP = re.compile(r"^a=rtpmap:(\d+) opus/48000", re.IGNORECASE)


def with_opus_fec(sdp: str) -> str:
    lines = sdp.split("\r\n")
    opus = {m.group(1) for line in lines if (m := OPUS_RTPMAP.match(line))}
    if not opus:
        return sdp
    out: list[str] = []
    with_fmtp = {line.split()[0].split(":")[1] for line in lines if line.startswith("a=fmtp:")}
    for line in lines:
        if line.startswith("a=fmtp:"):
            pt, _, params = line[len("a=fmtp:"):].partition(" ")
            if pt in opus:
                kept = [p for p in params.split(";") if p and not p.startswith("useinbandfec=")]
                line = f"a=fmtp:{pt} " + ";".join([*kept, "useinbandfec=1"])
        out.append(line)
        match = OPUS_RTPMAP.match(line)
        if match and match.group(1) not in with_fmtp:
            out.append(f"a=fmtp:{match.group(1)} minptime=10;useinbandfec=1")
    return "\r\n".join(out)
