"""What media/aiortc_hook.py relies on inside aiortc. When an aiortc upgrade moves any of it, this
fails first and says what moved."""

from __future__ import annotations

import queue

import pytest
from aiortc import RTCPeerConnection

from media import aiortc_hook as hook
from media.tracks import ForwardTrack


def test_pinned_version() -> None:
    hook.check_version()


async def test_private_parts_are_where_the_hook_expects() -> None:
    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video")
        receiver, sender = transceiver.receiver, transceiver.sender
        assert isinstance(getattr(receiver, hook._DECODER_QUEUE), queue.Queue)
        assert getattr(receiver, hook._JITTER_BUFFER).capacity > 0
        assert hasattr(receiver, hook._RTCP_SSRC)
        assert getattr(sender, hook._ENCODER) is None
        for name in ("_send_rtcp_pli", "_send_rtcp"):
            assert callable(getattr(receiver, name))
        for name in ("_send_keyframe", "_handle_rtcp_packet"):
            assert callable(getattr(sender, name))
        assert isinstance(hook.negotiated_codecs(transceiver), list)

        hook.forward_encoded(receiver, lambda codec, frame: None)
        assert isinstance(getattr(receiver, hook._JITTER_BUFFER), hook.PromptJitterBuffer)
        sender.replaceTrack(ForwardTrack("video", lambda: None))
        codec = [c for c in sender.getCapabilities("video").codecs if c.name == "VP8"][0]
        packer = hook.use_packer(sender, codec)  # type: ignore[arg-type]
        assert hook.sender_encoder(sender) is packer
    finally:
        await pc.close()


def test_a_changed_aiortc_fails_loudly() -> None:
    class NotAReceiver:
        pass

    with pytest.raises(hook.HookError, match="aiortc changed"):
        hook.forward_encoded(NotAReceiver(), lambda codec, frame: None)  # type: ignore[arg-type]
