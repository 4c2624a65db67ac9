"""The server's own secret, from which the queue room links of approved requests are derived,
so those links are never stored: a copy of the database alone opens no queue room.

It comes from SAMBANG_SECRET_KEY (every server process of a deployment sharing one database must
have the same) or else from `secret.key` in the data directory, made on first start, readable by
its owner only."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

MIN_SECRET = 32


class SecretError(RuntimeError):
    """A secret too short to protect the links derived from it."""


def load_secret(data_dir: Path, from_env: str | None) -> bytes:
    if from_env is not None:
        if len(from_env) < MIN_SECRET:
            raise SecretError(f"SAMBANG_SECRET_KEY needs at least {MIN_SECRET} characters "
                              "(for example `python3 -c 'import secrets; "
                              "print(secrets.token_hex(32))'`)")
        return from_env.encode()
    path = data_dir / "secret.key"
    if not path.exists():
        # Written whole under another name, then linked into place: a crash or a second
        # process starting at the same moment never sees a half-written (or empty) key, and
        # the first link wins.
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".secret-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32))
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET:
        raise SecretError(f"{path} holds no usable secret; delete it to make a new one "
                          "(queue room links of approved requests change)")
    return key.encode()


def request_ticket_token(secret: bytes, request_id: int) -> str:
    """The queue room token of the ticket that an approved request received."""
    digest = hmac.new(secret, f"request-ticket:{request_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def approved_ticket_token(secret: bytes, request_row: Mapping[str, Any]) -> str | None:
    """The queue room token of a visit request that is approved and has its ticket; None for
    one pending, rejected or withdrawn (its link would open nothing)."""
    if request_row.get("ticket_id") and request_row.get("state") == "approved":
        return request_ticket_token(secret, int(request_row["id"]))
    return None


def _fernet(secret: bytes) -> Fernet:
    key = hmac.new(secret, b"sealed-settings", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes, text: str) -> str:
    """A setting encrypted with a key derived from the server's secret."""
    return _fernet(secret).encrypt(text.encode()).decode() if text else ""


def unseal(secret: bytes, sealed: str) -> str:
    """The setting back; SecretError when it was sealed under another secret."""
    if not sealed:
        return ""
    try:
        return _fernet(secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretError("a sealed setting does not open with this server's secret; "
                          "set it again") from None
