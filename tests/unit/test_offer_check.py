"""The offer check: a browser's real offer passes; what asks too much is refused; and every
broken offer it lets through is one the relay's WebRTC stack (aiortc) takes, so no offer that
passes can cost a page its working call."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from signaling.offer_check import (
    MAX_CANDIDATES,
    MAX_FORMATS,
    MAX_LEG_MEDIA,
    MAX_MONITOR_MEDIA,
    OfferRefused,
    check_offer,
)

# Read as bytes: the offer keeps its CRLF line ends, as a browser sends them.
CHROMIUM = (Path(__file__).parent.parent / "fixtures" / "chromium-offer.sdp").read_bytes().decode()


def lines() -> list[str]:
    return CHROMIUM.splitlines()


def sdp(rows: list[str]) -> str:
    return "\r\n".join(rows) + "\r\n"


def media_sections() -> tuple[list[str], list[list[str]]]:
    head: list[str] = []
    sections: list[list[str]] = []
    for row in lines():
        if row.startswith("m="):
            sections.append([row])
        elif sections:
            sections[-1].append(row)
        else:
            head.append(row)
    return head, sections


async def aiortc_takes(offer: str) -> bool:
    """What the relay does with an offer, up to its answer: True when aiortc accepts it."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):  # aiortc trips on closing some half-set offers
            await pc.close()


def test_a_browsers_offer_passes() -> None:
    check_offer(CHROMIUM)
    check_offer(CHROMIUM.replace("\r\n", "\n"))


async def test_aiortcs_own_offers_pass_as_page_and_as_monitor() -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    for kind in ("audio", "video", "audio", "video"):
        pc.addTransceiver(kind, direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    check_offer(pc.localDescription.sdp, MAX_MONITOR_MEDIA)
    with pytest.raises(OfferRefused, match="media sections"):
        check_offer(pc.localDescription.sdp, MAX_LEG_MEDIA)
    await pc.close()


def test_offers_beyond_the_limits_are_refused() -> None:
    head, (audio, video) = media_sections()
    # Two hundred media sections, as a flood of cheap offers might carry: refused at the third.
    with pytest.raises(OfferRefused, match="more than 2 media sections"):
        check_offer(sdp(head + [audio[0], "a=rtcp-mux"] * 100 + [video[0], "a=rtcp-mux"] * 100))
    formats = " ".join(str(pt) for pt in range(MAX_FORMATS + 1))
    many_formats = [re.sub(r"SAVPF .*", f"SAVPF {formats}", audio[0])] + audio[1:]
    with pytest.raises(OfferRefused, match="formats"):
        check_offer(sdp(head + many_formats + video))
    candidate = next(row for row in audio if row.startswith("a=candidate"))
    with pytest.raises(OfferRefused, match="candidates"):
        check_offer(sdp(head + audio + [candidate] * MAX_CANDIDATES + video))
    with pytest.raises(OfferRefused, match="characters"):
        check_offer(sdp(head + audio + ["a=x-filler:" + "x" * 40_000] + video))
    with pytest.raises(OfferRefused, match="lines"):
        check_offer(sdp(head + audio + ["a=x-filler"] * 900 + video))


@pytest.mark.parametrize("broken, reason", [
    ("", "v=0"),
    ("hello", "v=0"),
    (CHROMIUM.replace("a=rtcp-mux\r\n", ""), "RTCP mux"),
    (re.sub(r"a=ice-pwd:.*\r\n", "", CHROMIUM), "ICE"),
    (re.sub(r"a=fingerprint:.*\r\n", "", CHROMIUM), "fingerprint"),
    (re.sub(r"a=setup:.*\r\n", "", CHROMIUM), "setup"),
    (CHROMIUM.replace("m=audio", "m=application"), "only audio and video"),
    (re.sub(r"a=rtpmap:(\d+) (VP8|H264)/", r"a=rtpmap:\1 XYZ/", CHROMIUM), "no video codec"),
    (CHROMIUM.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/fast"), "not a number"),
])
def test_broken_offers_are_refused_naming_why(broken: str, reason: str) -> None:
    with pytest.raises(OfferRefused, match=reason):
        check_offer(broken)


def mutations(rows: list[str]) -> list[str]:
    """The lines of a real offer broken in a few ways a careless or hostile page might: the
    first two of each kind in each section (twenty rtcp-fb lines break alike)."""
    out = []
    seen: dict[tuple[int, str], int] = {}
    section = 0
    for i, row in enumerate(rows):
        key, sep, value = row.partition(":")
        section += row.startswith("m=")
        seen[(section, key)] = seen.get((section, key), 0) + 1
        if seen[(section, key)] > 2:
            continue
        variants = [
            None,  # the line left out
            key,  # its value left out
            f"{key}{sep}{value[: len(value) // 2]}",  # cut in half
            f"{key}{sep}" + re.sub(r"\d", "x", value),  # numbers that are not
            f"{key}{sep}{value} {value}",  # said twice
            row.replace(" ", "  ", 1),  # a doubled space
        ]
        for variant in variants:
            changed = rows[:i] + ([] if variant is None else [variant]) + rows[i + 1:]
            out.append(sdp(changed))
    return out


async def test_no_offer_that_passes_is_one_the_relay_refuses() -> None:
    passed = refused = 0
    letting_through = []
    for offer in mutations(lines()):
        try:
            check_offer(offer)
        except OfferRefused:
            refused += 1
            continue
        passed += 1
        if not await aiortc_takes(offer):
            letting_through.append(offer)
    assert not letting_through, f"{len(letting_through)} let through, first:\n{letting_through[0]}"
    assert passed > 100 and refused > 100  # both sides were really tried
    await asyncio.sleep(0)
