"""Packet forwarding as a receiver sees it: lost packets sent again from the relay's cache (or
asked of the sender when the cache no longer has them), and one continuous stream when the other
leg rejoins."""

from __future__ import annotations

import asyncio
import time

from media import aiortc_hook as hook
from media.pool import LocalRelay
from media.relay import RelaySession
from server.keys import RELAY
from tests.conftest import Sambang


def _session(s: Sambang, visit_id: int) -> RelaySession:
    relay = s.app[RELAY]
    assert isinstance(relay, LocalRelay)
    session = relay.relay.get(visit_id)
    assert session is not None
    return session


async def test_a_nack_is_answered_from_the_cache_or_passed_to_the_sender(
    sambang: Sambang,
) -> None:
    family, station, visit_id, _ = await sambang.live_visit()
    try:
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await station.wait_frames("video", 20)
        assert family.pc is not None and station.pc is not None
        session = _session(sambang, visit_id)
        leg = session.leg("station")
        assert leg is not None
        out = leg.outbounds["video"]
        asked_upstream: list[int] = []
        hook.on_nack([s for s in family.pc.getSenders() if s.kind == "video"][0],
                     asked_upstream.extend)
        receiver = [r for r in station.pc.getReceivers() if r.track.kind == "video"][0]
        assert out.rebaser.last_seq is not None
        recent, gone = out.rebaser.last_seq - 3, out.rebaser.last_seq - 2000
        before = out.retransmitted
        await hook.send_nack(receiver, out.ssrc, [recent % 65536])
        await hook.send_nack(receiver, out.ssrc, [gone % 65536])
        deadline = time.monotonic() + 3
        while out.retransmitted == before or not asked_upstream:
            assert time.monotonic() < deadline, (out.retransmitted, asked_upstream)
            await asyncio.sleep(0.05)
        assert out.retransmitted == before + 1
        # The sender is asked in its own numbers for what the relay no longer holds.
        assert asked_upstream == [out.rebaser.source_seq(gone % 65536)]
    finally:
        await family.close()
        await station.close()


async def _inbound(peer_pc: object, kind: str) -> tuple[int, int]:
    stats = await peer_pc.getStats()  # type: ignore[attr-defined]
    for item in stats.values():
        if item.type == "inbound-rtp" and item.kind == kind:
            return int(item.packetsReceived), int(item.packetsLost)
    return 0, 0


async def test_the_stream_stays_continuous_when_the_other_leg_rejoins(sambang: Sambang) -> None:
    family, station, visit_id, _ = await sambang.live_visit()
    try:
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await station.wait_frames("video", 20)
        session = _session(sambang, visit_id)
        leg = session.leg("station")
        assert leg is not None
        out = leg.outbounds["video"]
        first_source = out.rebaser.source
        old_pc = family.pc
        rejoined = time.monotonic()
        await family.join_call("video/VP8")  # the family's page reloads: a new connection
        assert old_pc is not None
        await old_pc.close()
        deadline = time.monotonic() + 5
        while out.rebaser.source == first_source:
            assert time.monotonic() < deadline, "the new family leg never reached the station"
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        assert leg.outbounds["video"] is out  # the same stream for the station, fed anew
        assert [t for t in station.frames["video"] if t > rejoined + 1.0]
        # The station's receiver saw no jump in sequence numbers: nothing counted as lost.
        received, lost = await _inbound(station.pc, "video")
        assert received > 40 and lost <= 2, (received, lost)
    finally:
        await family.close()
        await station.close()


async def test_the_far_receivers_reports_reach_the_sender(sambang: Sambang) -> None:
    """The station's reception reports, translated into the family's numbers, are what the
    family's sender learns its loss and round trip from."""
    family, station, visit_id, _ = await sambang.live_visit()
    try:
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await station.wait_frames("video", 20)
        assert family.pc is not None
        deadline = time.monotonic() + 5
        while True:
            stats = await family.pc.getStats()
            remote = [s for s in stats.values() if s.type == "remote-inbound-rtp"
                      and s.kind == "video"]
            if remote:
                break
            assert time.monotonic() < deadline, "no reception report reached the sender"
            await asyncio.sleep(0.2)
        assert remote[0].packetsLost == 0
    finally:
        await family.close()
        await station.close()
