"""A recording's checksum: what `sambang recordings verify` compares with the row."""

from __future__ import annotations

import hashlib
from pathlib import Path


def digest_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks; CPU-bound, so run off the event loop."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
