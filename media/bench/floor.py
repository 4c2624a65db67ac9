"""The floor that packet forwarding in Python can reach on this machine, measured under the same
conditions as the relay: a plain asyncio UDP forwarder that only unprotects and protects SRTP,
in its own process on the relay's cores, fed at a given packet rate. The relay's cost per packet
minus this is what its own rules (routing, rewriting, RTCP) cost."""

from __future__ import annotations

import asyncio
import os
import struct
import sys
import time
from typing import Any

import pylibsrtp

from media.bench.run import proc_usage

KEY = bytes(range(30))
KEY_OUT = bytes(range(30, 60))
PAYLOAD = bytes(1000)


class _Forwarder(asyncio.DatagramProtocol):
    def __init__(self, sink: tuple[str, int]) -> None:
        self.sink = sink
        self.rx = pylibsrtp.Session(pylibsrtp.Policy(
            key=KEY, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND))
        self.tx = pylibsrtp.Session(pylibsrtp.Policy(
            key=KEY_OUT, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            self.transport.sendto(self.tx.protect(self.rx.unprotect(data)), self.sink)
        except pylibsrtp.Error:
            pass


async def _serve(sink_port: int) -> None:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Forwarder(("127.0.0.1", sink_port)), local_addr=("127.0.0.1", 0))
    print(transport.get_extra_info("sockname")[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes our stdin


class _Sink(asyncio.DatagramProtocol):
    received = 0

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received += 1


async def measure(packets_per_s: float, seconds: float, cores: set[int]) -> float | None:
    """CPU microseconds per packet of the plain forwarder at this rate."""
    loop = asyncio.get_running_loop()
    sink_transport, sink = await loop.create_datagram_endpoint(
        _Sink, local_addr=("127.0.0.1", 0))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "media.bench.floor", str(sink_transport.get_extra_info(
            "sockname")[1]), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        port = int((await proc.stdout.readline()).decode())
        os.sched_setaffinity(proc.pid, cores)
        tx = pylibsrtp.Session(pylibsrtp.Policy(
            key=KEY, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
        count = int(packets_per_s * (seconds + 1))
        packets = [tx.protect(struct.pack("!BBHII", 0x80, 96, n & 0xFFFF, n * 3000, 7)
                              + PAYLOAD) for n in range(min(count, 65000))]
        send, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=("127.0.0.1", port))
        sent, start = 0, time.monotonic()
        cpu_before = received_before = None
        while sent < len(packets):
            now = time.monotonic()
            if cpu_before is None and now - start >= 1.0:  # a second to settle
                cpu_before, received_before = proc_usage([proc.pid])[0], sink.received
            due = min(len(packets), int((now - start) * packets_per_s))
            for packet in packets[sent:due]:
                send.sendto(packet)
            sent = due
            await asyncio.sleep(0.004)
        await asyncio.sleep(0.1)
        send.close()
        if cpu_before is None or received_before is None:
            return None
        cpu = proc_usage([proc.pid])[0] - cpu_before
        forwarded = sink.received - received_before
        return cpu / forwarded * 1e6 if forwarded else None
    finally:
        sink_transport.close()
        if proc.stdin is not None:
            proc.stdin.close()
        await proc.wait()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
