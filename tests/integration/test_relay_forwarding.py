"""The relay forwards RTP packets: no decoder, no encoder and no frame reassembly in the relay when
both legs share a codec, a keyframe for a late leg at once, transcoding only when the codecs
differ."""

from __future__ import annotations

import asyncio
import time

import pytest

from media import aiortc_hook as hook
from media.aiortc_hook import _DroppingQueue
from media.pool import LocalRelay
from media.relay import KEYFRAME_EVERY, RelaySession
from server.keys import RELAY
from tests.conftest import Sambang
from tests.peers import MonitorPeer


def _session(s: Sambang, visit_id: int) -> RelaySession:
    relay = s.app[RELAY]
    assert isinstance(relay, LocalRelay)
    session = relay.relay.get(visit_id)
    assert session is not None
    return session


def _assert_no_codec_in_relay(session: RelaySession) -> None:
    for leg in session._legs.values():
        assert leg.transcoders == {}
        for receiver in leg.pc.getReceivers():
            hooked = hook.decoder_queue(receiver)
            assert isinstance(hooked, _DroppingQueue)
            # aiortc's decoder thread waits on the original queue: nothing was ever put there.
            assert hooked._original.qsize() == 0
        stats = session.stats()[leg.side]
        assert isinstance(stats, dict)
        assert stats["encoders"] == {"audio": False, "video": False}
        # The packets went through the relay's own path, not aiortc's receivers and senders.
        assert leg.source is not None and all(link.sent > 0 for link in leg.source.links)
        assert all(out.forwarded > 0 for out in leg.outbounds.values())


@pytest.mark.parametrize("codec", ["video/VP8", "video/H264"])
async def test_frames_cross_the_relay_without_decoder_or_encoder(
    sambang: Sambang, codec: str
) -> None:
    family, station, visit_id, _ = await sambang.live_visit()
    try:
        await asyncio.gather(family.join_call(codec), station.join_call(codec))
        for peer in (family, station):
            await peer.wait_frames("video", 30)
            await peer.wait_frames("audio", 50)
        session = _session(sambang, visit_id)
        assert session.media_mode == "forward"
        stats = session.stats()
        for side in ("family", "station"):
            leg = stats[side]
            assert isinstance(leg, dict)
            assert leg["codecs"]["video"] == codec
            assert leg["forwarded"] > 60 and leg["transcoded"] == 0
        _assert_no_codec_in_relay(session)
    finally:
        await family.close()
        await station.close()


async def test_a_late_leg_gets_a_picture_within_a_second(sambang: Sambang) -> None:
    family, station, visit_id, _ = await sambang.live_visit()
    try:
        await family.join_call("video/VP8")
        await asyncio.sleep(3.0)  # the family has long sent its first keyframe
        session = _session(sambang, visit_id)
        requests_before = session._legs["family"].keyframe_requests
        await station.join_call("video/VP8")
        await station.wait_frames("video", 1, timeout=5)
        first_picture = station.frames["video"][0] - station.joined_at
        assert first_picture < 1.0, f"first picture after {first_picture:.2f} s"
        assert session._legs["family"].keyframe_requests > requests_before
    finally:
        await family.close()
        await station.close()


async def test_transcoding_only_when_the_legs_share_no_codec(sambang: Sambang) -> None:
    family, station, visit_id, csrf = await sambang.live_visit()
    try:
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/H264"))
        for peer in (family, station):
            await peer.wait_frames("video", 20)
        session = _session(sambang, visit_id)
        assert session.media_mode == "transcode"
        stats = session.stats()
        assert isinstance(stats["family"], dict) and isinstance(stats["station"], dict)
        assert stats["family"]["transcoded"] > 0 and stats["station"]["transcoded"] > 0
        snapshot = await (await sambang.client.get("/api/queue")).json()
        assert snapshot["visits"][0]["media_mode"] == "transcode"
        await sambang.post(f"/api/visits/{visit_id}/end", {}, csrf)
        record = await (await sambang.client.get(f"/api/visits/{visit_id}")).json()
        assert record["media_mode"] == "transcode"
    finally:
        await family.close()
        await station.close()


async def test_a_late_monitor_starts_at_the_next_scheduled_keyframe(sambang: Sambang) -> None:
    """A monitor asks the senders for nothing (issue 12: nobody may detect it): it starts at the
    keyframe the relay's schedule asks every sender for, watched or not."""
    family, station, visit_id, _ = await sambang.live_visit()
    monitor = MonitorPeer()
    try:
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await family.wait_frames("video", 30)
        seen = (len(family.messages), len(station.messages))
        legs = [t for p in (family, station) if p.pc for t in p.pc.getTransceivers()]
        relay = sambang.app[RELAY]
        asked = time.monotonic()
        await monitor.accept(await relay.monitor(visit_id, "karupam-1", await monitor.offer()))
        deadline = asked + KEYFRAME_EVERY + 5
        while not all(monitor.frames.get((side, "video")) for side in ("family", "station")):
            assert time.monotonic() < deadline, monitor.frames.keys()
            await asyncio.sleep(0.02)
        for side in ("family", "station"):
            first = monitor.frames[(side, "video")][0] - asked
            assert first < KEYFRAME_EVERY + 2.0, f"{side}: first picture after {first:.2f} s"
        await asyncio.sleep(0.5)
        assert all(len(monitor.frames.get((side, "audio"), [])) > 5
                   for side in ("family", "station"))
        _assert_no_codec_in_relay(_session(sambang, visit_id))
        # The legs were told nothing and renegotiated nothing.
        await relay.unmonitor(visit_id, "karupam-1")
        assert (len(family.messages), len(station.messages)) == seen
        assert [t for p in (family, station) if p.pc for t in p.pc.getTransceivers()] == legs
    finally:
        await monitor.close()
        await family.close()
        await station.close()


async def test_far_receivers_bandwidth_reaches_the_sender(sambang: Sambang) -> None:
    """The station's browser says it can take 123 456 b/s: the family's sender must hear it, since
    forwarded frames are the family's own and only its encoder can make them smaller."""
    family, station, visit_id, _ = await sambang.live_visit()
    try:
        await asyncio.gather(family.join_call("video/VP8"), station.join_call("video/VP8"))
        await station.wait_frames("video", 20)
        assert family.pc is not None and station.pc is not None
        heard: list[int] = []
        video_sender = [s for s in family.pc.getSenders() if s.kind == "video"][0]
        hook.on_remb(video_sender, heard.append)
        receiver = [r for r in station.pc.getReceivers() if r.track.kind == "video"][0]
        ssrc = receiver.getSynchronizationSources()[0].source
        for bitrate in (600_000, 123_456):  # a sharp drop is passed on at once
            await hook.send_remb(receiver, bitrate, ssrc)
            await asyncio.sleep(0.3)
        deadline = time.monotonic() + 3
        while 123_456 not in heard:
            assert time.monotonic() < deadline, heard
            await asyncio.sleep(0.05)
        # From then on the relay's own estimates for the family are capped by the station's.
        mark = len(heard)
        await asyncio.sleep(2.5)
        assert all(bps <= 123_456 for bps in heard[mark:]), heard[mark:]
    finally:
        await family.close()
        await station.close()
