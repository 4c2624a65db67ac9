"""A Linux network namespace joined to this machine by a veth pair, made and removed by the test
that asks for it: a stand-in for a family's network that the test can block with nftables.

Needs root, `ip` (iproute2) and `nft` (nftables; scripts/test installs it)."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Every UDP packet in or out of the namespace is dropped: a network that lets only TCP through,
# like many office, campus and public Wi-Fi networks.
BLOCK_UDP = """
table inet sambang_block {
  chain incoming { type filter hook input priority 0; policy accept; meta l4proto udp drop; }
  chain outgoing { type filter hook output priority 0; policy accept; meta l4proto udp drop; }
}
"""


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@dataclass(frozen=True)
class Namespace:
    name: str
    host_link: str
    host_ip: str  # this machine's end of the veth, reachable from inside
    inside_ip: str
    inside_link: str

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def run(self, *cmd: str) -> str:
        return _run(*self.exec_prefix(), *cmd)

    def block_udp(self) -> None:
        subprocess.run([*self.exec_prefix(), "nft", "-f", "-"], input=BLOCK_UDP, check=True,
                       capture_output=True, text=True)

    def weaken(self, loss_percent: int, kbit: int, delay_ms: int) -> str:
        """Both directions of the link lose, throttle and delay: netem where the kernel has it;
        else a token bucket (tbf) for the rate and nftables for the loss of media (UDP)
        packets, with no fixed delay. Returns what was applied, for the report."""
        netem = ["netem", "delay", f"{delay_ms}ms", "loss", f"{loss_percent}%",
                 "rate", f"{kbit}kbit"]
        tbf = ["tbf", "rate", f"{kbit}kbit", "burst", "16kbit", "latency", f"{delay_ms}ms"]
        for qdisc, applied in ((netem, f"netem: {loss_percent}% loss, {kbit} kbit/s, "
                                       f"{delay_ms} ms each way"),
                               (tbf, f"no netem in this kernel: tbf {kbit} kbit/s (queue "
                                     f"{delay_ms} ms) + nftables {loss_percent}% UDP loss, "
                                     "each way")):
            done = [subprocess.run(cmd, capture_output=True).returncode == 0 for cmd in (
                ["tc", "qdisc", "add", "dev", self.host_link, "root", *qdisc],
                [*self.exec_prefix(), "tc", "qdisc", "add", "dev", self.inside_link, "root",
                 *qdisc])]
            if all(done):
                if qdisc is tbf:
                    drop = f"meta l4proto udp numgen random mod 100 < {loss_percent} drop;"
                    subprocess.run([*self.exec_prefix(), "nft", "-f", "-"], check=True,
                                   capture_output=True, text=True, input=(
                        "table inet sambang_weak {\n"
                        f"  chain incoming {{ type filter hook input priority 0; {drop} }}\n"
                        f"  chain outgoing {{ type filter hook output priority 0; {drop} }}\n"
                        "}\n"))
                return applied
            subprocess.run(["tc", "qdisc", "del", "dev", self.host_link, "root"],
                           capture_output=True)
            self.run_quiet("tc", "qdisc", "del", "dev", self.inside_link, "root")
        raise RuntimeError("neither netem nor tbf can shape this link")

    def run_quiet(self, *cmd: str) -> None:
        subprocess.run([*self.exec_prefix(), *cmd], capture_output=True)

    def launcher(self, directory: Path, program: str) -> Path:
        """A script that runs `program` inside the namespace, for tools (Playwright) that take
        an executable's path; its pipes and arguments pass through unchanged."""
        script = directory / f"in-{self.name}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {program} "$@"\n')
        script.chmod(0o755)
        return script


def _free_subnet() -> ipaddress.IPv4Network:
    """A /30 in 10.200.0.0/13 that no interface here uses (other tests may hold one)."""
    used = [ipaddress.ip_interface(word).network for line in _run("ip", "-4", "-o", "addr")
            .splitlines() for word in line.split() if "/" in word and word[0].isdigit()]
    pool = ipaddress.ip_network("10.200.0.0/13")
    for _ in range(50):
        offset = secrets.randbelow(pool.num_addresses // 4) * 4
        candidate = ipaddress.ip_network(f"{pool.network_address + offset}/30")
        if not any(candidate.overlaps(u) for u in used):
            return candidate
    raise RuntimeError("no free /30 for a test namespace")


def require_namespaces() -> None:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (CI runs scripts/test as root)")
    for tool in ("ip", "nft"):
        assert shutil.which(tool), f"{tool} is missing: scripts/test installs it (apt)"


@contextlib.contextmanager
def namespace(prefix: str) -> Iterator[Namespace]:
    """A fresh namespace named `<prefix><random>`, removed with its veth pair on the way out."""
    require_namespaces()
    tag = prefix[:5] + secrets.token_hex(3)
    subnet = _free_subnet()
    host_ip, inside_ip = (str(a) for a in list(subnet.hosts())[:2])
    inside_link = f"n-{tag}"
    ns = Namespace(name=f"sb-{tag}", host_link=f"h-{tag}", host_ip=host_ip, inside_ip=inside_ip,
                   inside_link=inside_link)
    _run("ip", "netns", "add", ns.name)
    try:
        _run("ip", "link", "add", ns.host_link, "type", "veth", "peer", "name", inside_link)
        _run("ip", "link", "set", inside_link, "netns", ns.name)
        _run("ip", "addr", "add", f"{host_ip}/30", "dev", ns.host_link)
        _run("ip", "link", "set", ns.host_link, "up")
        ns.run("ip", "addr", "add", f"{inside_ip}/30", "dev", inside_link)
        ns.run("ip", "link", "set", inside_link, "up")
        ns.run("ip", "link", "set", "lo", "up")
        yield ns
    finally:
        # Deleting the namespace deletes its end of the pair, and with it this machine's end.
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)
        subprocess.run(["ip", "link", "del", ns.host_link], capture_output=True)
