"""What the OpenAPI document says of one handler, attached to the handler itself, so a route
and its description cannot drift apart (the document is built by walking the router); and the
reply sent through the same model, so what goes out is what the document describes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

Handler = TypeVar("Handler", bound=Callable[[web.Request], Awaitable[web.StreamResponse]])

_ATTRIBUTE = "__sambang_operation__"


@dataclass(frozen=True)
class Operation:
    tag: str
    summary: str
    body: type[BaseModel] | None = None  # read with read_body (or the form/CSV below)
    body_type: str = "application/json"  # multipart/form-data, text/csv
    query: type[BaseModel] | None = None  # read with read_query
    reply: type[BaseModel] | None = None
    status: int = 200
    reply_type: str = "application/json"  # video/webm, text/csv
    public: bool = False  # no session: the facility's public side or a visitor's own token


def operation(
    tag: str, summary: str, *, body: type[BaseModel] | None = None,
    body_type: str = "application/json", query: type[BaseModel] | None = None,
    reply: type[BaseModel] | None = None, status: int = 200,
    reply_type: str = "application/json", public: bool = False,
) -> Callable[[Handler], Handler]:
    """Describe an API handler for the OpenAPI document."""
    described = Operation(tag, summary, body, body_type, query, reply, status, reply_type,
                          public)

    def attach(handler: Handler) -> Handler:
        setattr(handler, _ATTRIBUTE, described)
        return handler

    return attach


def operation_of(handler: object) -> Operation | None:
    found = getattr(handler, _ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def reply_body(model: type[BaseModel], data: object) -> dict[str, Any]:
    """`data` (a dict, a row or a dataclass) as the documented model has it: checked, and with
    no key the model does not list, so nothing undocumented (a new column) leaks out."""
    return model.model_validate(data).model_dump(mode="json", by_alias=True)


def reply(model: type[BaseModel], data: object, status: int = 200) -> web.Response:
    return web.json_response(reply_body(model, data), status=status)
