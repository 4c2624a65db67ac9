"""What media/aiortc_hook.py relies on inside aiortc and aioice. When an upgrade of either moves
any of it, this fails first and says what moved."""

from __future__ import annotations

import asyncio
import queue

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.rtcdtlstransport import RTCDtlsTransport

from media import aiortc_hook as hook
from media import rtcp


def test_pinned_versions() -> None:
    hook.check_version()


async def test_private_parts_are_where_the_hook_expects() -> None:
    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video")
        receiver, sender = transceiver.receiver, transceiver.sender
        assert isinstance(hook.decoder_queue(receiver), queue.Queue)
        assert hasattr(receiver, hook._RTCP_SSRC)
        for name in ("_send_rtcp_pli", "_send_rtcp_nack", "_send_rtcp"):
            assert callable(getattr(receiver, name))
        for name in ("_handle_rtcp_packet", "_send_rtcp"):
            assert callable(getattr(sender, name))
        media, rtx = hook.sender_ssrcs(sender)
        assert media != rtx
        assert hook.sender_encoder(sender) is None
        assert isinstance(hook.negotiated_codecs(transceiver), list)
        assert isinstance(transceiver._headerExtensions, list)
        dtls = sender.transport
        assert isinstance(dtls, RTCDtlsTransport)
        for name in ("_rx_srtp", "_tx_srtp", "_handle_rtcp_data"):
            assert hasattr(dtls, name)
        connection = dtls.transport._connection
        assert isinstance(connection._protocols, list)
        assert isinstance(connection._nominated, dict)
        hook.never_decode(receiver)
        assert isinstance(hook.decoder_queue(receiver), hook._DroppingQueue)
    finally:
        await pc.close()


async def test_two_links_carry_packets_both_ways() -> None:
    """Two aiortc peers connect; from then on packets pass between their links with no aiortc
    receiver or sender involved, and a forged datagram is refused."""
    a, b = RTCPeerConnection(), RTCPeerConnection()
    got: dict[str, list[bytes]] = {"a": [], "b": []}
    try:
        a.addTransceiver("audio")
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(RTCSessionDescription(b.localDescription.sdp, "answer"))
        links = {
            "a": hook.PacketLink(hook.dtls_of(a.getTransceivers()[0]), got["a"].append,
                                 got["a"].append),
            "b": hook.PacketLink(hook.dtls_of(b.getTransceivers()[0]), got["b"].append,
                                 got["b"].append),
        }
        for _ in range(100):
            if all(link.ready for link in links.values()) and links["a"]._refresh():
                break
            await asyncio.sleep(0.05)
        assert all(link.ready for link in links.values())
        packet = bytes([0x80, 111, 0, 1]) + b"\x00\x00\x00\x10" + b"\x00\x00\x00\x2a" + b"hi"
        links["a"].send(packet)
        links["b"].send(rtcp.pli(1, 42))
        for _ in range(40):
            if got["b"] and got["a"]:
                break
            await asyncio.sleep(0.05)
        assert packet in got["b"]
        assert rtcp.parse(got["a"][-1]) == [rtcp.KeyframeRequest(42)]
        rejected = links["b"].rejected
        # SRTP that does not authenticate, from the right address, is dropped.
        links["a"]._socket.sendto(packet + b"0" * 10, links["a"]._remote)
        for _ in range(40):
            if links["b"].rejected > rejected:
                break
            await asyncio.sleep(0.05)
        assert links["b"].rejected == rejected + 1
    finally:
        await a.close()
        await b.close()


def test_a_changed_aiortc_fails_loudly() -> None:
    class NotAReceiver:
        pass

    with pytest.raises(hook.HookError, match="aiortc changed"):
        hook.never_decode(NotAReceiver())  # type: ignore[arg-type]
