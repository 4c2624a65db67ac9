"""A Linux network namespace joined to this host by a veth pair, for cutting one browser's
network for real: nftables in the namespace drops every packet in and out (TCP and UDP alike),
which the browser's offline emulation does not do to WebRTC on loopback.

Made and removed by the test itself; names and addresses are unique per process, so helpers
running their own namespaces at the same time do not collide."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CUT_TABLE = "sambang_cut"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=20)


@dataclass
class Namespace:
    name: str
    host_ip: str  # this host's end of the veth pair: the server listens here
    inner_ip: str

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run("ip", "netns", "exec", self.name, *args, check=check)

    def cut(self) -> None:
        """Drop every packet in and out of the namespace, from now on."""
        rules = (f"table inet {CUT_TABLE} {{\n"
                 "  chain in { type filter hook input priority -10; policy drop; }\n"
                 "  chain out { type filter hook output priority -10; policy drop; }\n"
                 "}\n")
        subprocess.run(["ip", "netns", "exec", self.name, "nft", "-f", "-"], input=rules,
                       check=True, capture_output=True, text=True, timeout=20)

    def restore(self) -> None:
        self.run("nft", "delete", "table", "inet", CUT_TABLE)

    def wrap(self, executable: str, directory: Path) -> str:
        """A launcher that runs `executable` inside the namespace (Playwright spawns it)."""
        script = directory / f"in-{self.name}.sh"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {executable} "$@"\n')
        script.chmod(0o755)
        return str(script)


def _free_subnet() -> ipaddress.IPv4Network:
    used = run("ip", "-4", "-o", "addr").stdout
    for _ in range(50):
        net = ipaddress.IPv4Network(f"10.{random.randint(100, 250)}.{random.randint(0, 255)}.0/30")
        if f" {str(net.network_address)[:-1]}" not in used:
            return net
    raise RuntimeError("no free 10.x.y.0/30 subnet")


@contextlib.contextmanager
def namespace(tag: str) -> Iterator[Namespace]:
    """A namespace with a veth pair to the host; removed (with its veth) however the test ends."""
    if os.geteuid() != 0:
        raise PermissionError("network namespaces need root")
    suffix = f"{os.getpid() % 100000}{random.randint(0, 99)}"
    name = f"sb-{tag}-{suffix}"
    host_dev, inner_dev = f"sbh{suffix}", f"sbi{suffix}"
    net = _free_subnet()
    host_ip, inner_ip = (str(a) for a in list(net.hosts())[:2])
    try:
        run("ip", "netns", "add", name)
        run("ip", "link", "add", host_dev, "type", "veth", "peer", "name", inner_dev)
        run("ip", "link", "set", inner_dev, "netns", name)
        run("ip", "addr", "add", f"{host_ip}/30", "dev", host_dev)
        run("ip", "link", "set", host_dev, "up")
        ns = Namespace(name, host_ip, inner_ip)
        ns.run("ip", "addr", "add", f"{inner_ip}/30", "dev", inner_dev)
        ns.run("ip", "link", "set", inner_dev, "up")
        ns.run("ip", "link", "set", "lo", "up")
        ns.run("ip", "route", "add", "default", "via", host_ip)
        yield ns
    finally:
        run("ip", "netns", "delete", name, check=False)  # takes its end of the veth along
        run("ip", "link", "delete", host_dev, check=False)
