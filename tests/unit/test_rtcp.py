"""The RTCP a forwarding relay reads and writes, round trip."""

from __future__ import annotations

from media import rtcp


def test_nack_packs_and_reads_back_across_wrap_around() -> None:
    lost = [65530, 65531, 65535, 0, 3, 40]
    assert rtcp.parse(rtcp.nack(1, 2, lost)) == [rtcp.Nack(2, tuple(lost))]


def test_remb_keeps_bitrate_within_its_precision() -> None:
    [message] = rtcp.parse(rtcp.remb(1, 2_345_678, (7, 8)))
    assert isinstance(message, rtcp.Remb)
    assert message.ssrcs == (7, 8) and abs(message.bitrate - 2_345_678) < 16


def test_compound_of_report_pli_and_unknown_is_read_in_order() -> None:
    report = rtcp.SenderReport(5, 1 << 40, 9000, 10, 1000)
    sdes = bytes([0x81, 202, 0, 1]) + b"\x00\x00\x00\x05"
    packets = rtcp.parse(rtcp.sender_report(report) + sdes + rtcp.pli(1, 5))
    assert packets == [report, rtcp.KeyframeRequest(5)]
    assert rtcp.is_rtcp(rtcp.pli(1, 5)) and not rtcp.is_rtcp(bytes([0x80, 96, 0, 1]))


def test_fir_names_the_stream_in_its_entries() -> None:
    fir = bytes([0x84, 206, 0, 4]) + (1).to_bytes(4, "big") + bytes(4) + \
        (77).to_bytes(4, "big") + bytes([3, 0, 0, 0])
    assert rtcp.parse(fir) == [rtcp.KeyframeRequest(77)]


def test_truncated_packet_is_ignored() -> None:
    assert rtcp.parse(rtcp.pli(1, 5)[:-2]) == []


def test_reception_reports_of_a_receiver_and_of_a_sender_read_back() -> None:
    blocks = [rtcp.ReportBlock(9, 3, 70000, (2 << 16) | 500, 12, 0x12345678, 65536)]
    assert rtcp.parse(rtcp.receiver_report(1, blocks)) == [rtcp.ReceptionReports(tuple(blocks))]
    report = rtcp.SenderReport(5, 1, 2, 3, 4)
    sender_with_block = bytearray(rtcp.sender_report(report) + rtcp.receiver_report(1, blocks)[8:])
    sender_with_block[0] |= 1  # one block follows the sender info
    sender_with_block[3] += 6
    assert rtcp.parse(bytes(sender_with_block)) == [report, rtcp.ReceptionReports(tuple(blocks))]
