"""Errors that handlers raise; the middleware turns them into a page or JSON in the user's
language."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, code: str, status: int = 400, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.values = values
