"""Where recording files live: data_dir/recordings/FACILITY_ID/visitN-SIDE-RANDOM.webm, named
in the database relative to data_dir. No path ever comes from a request: a file is found by its
row, and a row is followed only while it stays inside the recordings folder."""

from __future__ import annotations

import re
from pathlib import Path

RECORDING_NAME = re.compile(r"^visit(\d+)-(family|station)-[0-9a-f]+\.(webm|mkv)$")


def recordings_root(data_dir: Path) -> Path:
    return (data_dir / "recordings").resolve()


def file_of(data_dir: Path, relative: str) -> Path | None:
    """The file a row names, or None when a tampered row points outside the recordings."""
    path = (data_dir / relative).resolve()
    return path if recordings_root(data_dir) in path.parents else None
