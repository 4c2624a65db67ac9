"""Bases of every model, and the replies several groups share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A JSON request body: types as JSON gives them (strict), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Query(BaseModel):
    """A query string: every value arrives as text and is converted (lax)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Reply(BaseModel):
    """A JSON response, sent through its model (models/operation.reply): a row read from the
    database may carry more keys than listed, and only the listed ones go out, so a column
    added later reaches the API when its model names it and never by accident. Dataclasses
    (the hub's views, staff accounts) are read by attribute."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class ErrorDetail(Reply):
    code: str
    message: str
    field: str | None = None


class ErrorReply(Reply):
    """Every refusal: a stable code, a message in the user's language and, for input that does
    not fit, the field (a dotted path)."""

    error: ErrorDetail


class Done(Reply):
    ok: bool
