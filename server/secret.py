"""The server's own secret, from which the queue room links of approved requests are derived,
so those links are never stored: a copy of the database alone opens no queue room.

It comes from SAMBANG_SECRET_KEY (every server process of a deployment sharing one database must
have the same) or else from `secret.key` in the data directory, made on first start, readable by
its owner only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path


def load_secret(data_dir: Path, from_env: str | None) -> bytes:
    if from_env:
        return from_env.encode()
    path = data_dir / "secret.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode()


def request_ticket_token(secret: bytes, request_id: int) -> str:
    """The queue room token of the ticket that an approved request received."""
    digest = hmac.new(secret, f"request-ticket:{request_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
