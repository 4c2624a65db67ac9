"""Small helpers shared by the row modules: tokens, their hashes, inserted ids, rows as dicts."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def inserted_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
