"""What the relay raises to its callers."""

from __future__ import annotations


class SdpError(ValueError):
    """The offer could not be used; only that leg is affected."""


class SessionClosed(RuntimeError):
    pass
