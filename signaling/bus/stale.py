"""Bus socket files left behind by a server that was killed (kill -9 runs no cleanup).

Each server process makes its own `sambang-*` directory in the temporary directory for its bus
socket. At start, a socket that nobody listens on any more is removed with its directory. One
that answers belongs to a server running now (another node, another test) and is kept.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "sambang-"
SOCKET_NAME = "bus.sock"
# A directory just made by a starting server has no socket yet: leave young empty ones alone.
EMPTY_DIR_AGE = 120.0


def listened(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:  # refused (nobody listens), gone, or not a socket
            return False
    return True


def remove_stale(parent: Path, now: float | None = None) -> list[Path]:
    """Remove dead bus sockets (and their directories) under `parent`; returns them."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    for directory in parent.glob(PREFIX + "*"):
        with contextlib.suppress(OSError):  # another process may clean it at the same time
            if not directory.is_dir() or directory.is_symlink():
                continue
            sock = directory / SOCKET_NAME
            if sock.exists():
                if listened(sock):
                    continue
                sock.unlink()
                removed.append(sock)
            elif now - directory.stat().st_mtime < EMPTY_DIR_AGE:
                continue
            if not any(directory.iterdir()):
                directory.rmdir()
    if removed:
        log.warning("removed %d bus socket(s) left by stopped servers", len(removed))
    return removed
