"""The one way a handler reads what a request carries: a JSON body or a query through a model,
an id or a key from the path. Anything that does not fit is a 4xx naming the field, never a
500."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from server.errors import ApiError, InvalidField
from server.http.models.fields import MAX_ID

M = TypeVar("M", bound=BaseModel)

# pydantic's error type -> (the catalog's problem, the context value shown as its limit)
_PROBLEMS: dict[str, tuple[str, str | None]] = {
    "missing": ("missing", None),
    "string_type": ("text", None),
    "int_type": ("integer", None),
    "int_parsing": ("integer", None),
    "int_from_float": ("integer", None),
    "bool_type": ("boolean", None),
    "bool_parsing": ("boolean", None),
    "date_type": ("date", None),
    "date_parsing": ("date", None),
    "date_from_datetime_parsing": ("date", None),
    "date_from_datetime_inexact": ("date", None),
    "string_too_short": ("too_short", "min_length"),
    "string_too_long": ("too_long", "max_length"),
    "too_short": ("too_short", "min_length"),  # a length checked after a validator
    "too_long": ("too_long", "max_length"),
    "greater_than_equal": ("too_small", "ge"),
    "greater_than": ("too_small", "gt"),
    "less_than_equal": ("too_large", "le"),
    "less_than": ("too_large", "lt"),
    "literal_error": ("choice", None),
}

# Where a field names an error code of its own (json_schema_extra), clients and tests rely on it.
ERROR_CODE = "x-error-code"


def refusal(model: type[BaseModel], exc: ValidationError) -> ApiError:
    """The first thing wrong with the input, as the error the client is shown."""
    error = exc.errors(include_url=False)[0]
    loc = error["loc"]
    if error["type"] == "json_invalid" or not loc:  # not JSON, or not an object
        return ApiError("bad_json")
    field = ".".join(str(part) for part in loc)
    own = model.model_fields.get(str(loc[0]))
    extra = own.json_schema_extra if own is not None else None
    if isinstance(extra, dict) and isinstance(extra.get(ERROR_CODE), str):
        return ApiError(str(extra[ERROR_CODE]), 422, field=field)
    problem, values = _problem(error)
    return InvalidField(field, problem, **values)


def _problem(error: ErrorDetails) -> tuple[str, dict[str, Any]]:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        return "choice", {"choices": ctx.get("expected", "")}
    problem, limit = _PROBLEMS.get(kind, (kind, None))
    return problem, ({"limit": ctx.get(limit, "")} if limit else {})


async def read_body(request: web.Request, model: type[M]) -> M:
    """The JSON body as `model`; 415 for another type, 400 for what is not a JSON object."""
    # Requiring JSON also stops plain cross-site form posts, which cannot set this type.
    if request.content_type != "application/json":
        raise ApiError("bad_json", 415)
    raw = await request.read()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise refusal(model, exc) from None


def read_query(request: web.Request, model: type[M]) -> M:
    """The query string as `model` (the first value of a repeated parameter counts)."""
    values = {key: request.query[key] for key in request.query}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise refusal(model, exc) from None


def path_id(request: web.Request, name: str) -> int:
    """A row id from the path: ASCII digits, 1 to MAX_ID. Anything else names no row: 404."""
    text = request.match_info[name]
    # The route's \d also matches other scripts' digits; a 20-digit id overflows the database.
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not 1 <= int(text) <= MAX_ID:
        raise ApiError("not_found", 404)
    return int(text)


def path_key(request: web.Request, name: str, max_len: int = 64) -> str | None:
    """A key (a facility code, a token, a tracking number) from the path, or None when it cannot
    be one: too long, or with a character no key has."""
    text = request.match_info[name]
    if len(text) > max_len or not text.isprintable():
        return None
    return text
