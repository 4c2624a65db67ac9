"""Opus in-band FEC asked for in every answer a page reads."""

from signaling.answer import with_opus_fec

AIORTC_AUDIO = ("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96 0\r\na=mid:0\r\n"
                "a=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
                "m=video 9 UDP/TLS/RTP/SAVPF 97\r\na=rtpmap:97 VP8/90000\r\n")


def test_fec_is_added_after_opus_and_nowhere_else() -> None:
    assert with_opus_fec(AIORTC_AUDIO) == AIORTC_AUDIO.replace(
        "a=rtpmap:96 opus/48000/2\r\n",
        "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 minptime=10;useinbandfec=1\r\n")


def test_existing_opus_parameters_are_kept_and_fec_turned_on() -> None:
    sdp = AIORTC_AUDIO.replace("a=rtpmap:0 PCMU/8000\r\n",
                               "a=rtpmap:0 PCMU/8000\r\na=fmtp:96 stereo=0;useinbandfec=0\r\n")
    assert "a=fmtp:96 stereo=0;useinbandfec=1\r\n" in with_opus_fec(sdp)
    assert with_opus_fec(sdp).count("a=fmtp:96") == 1


def test_no_opus_nothing_changes() -> None:
    sdp = AIORTC_AUDIO.replace("opus/48000/2", "PCMA/8000")
    assert with_opus_fec(sdp) == sdp
