"""The OpenAPI 3.1 document of the JSON API, generated: the routes come from the app's router,
what each takes and answers from the models its handler is described with (`operation`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from server.http.models.common import ErrorReply
from server.http.models.fields import MAX_ID
from server.http.models.operation import Operation, operation_of

_REF = "#/components/schemas/{model}"
_GROUP = re.compile(r"\(\?P<(\w+)>([^)]*)\)")  # a path parameter in a route's regex


def _path_parameters(resource: web.AbstractResource) -> list[dict[str, Any]]:
    pattern = resource.get_info().get("pattern")
    groups = _GROUP.findall(pattern.pattern) if isinstance(pattern, re.Pattern) else []
    params = []
    for name, matches in groups:
        # A numeric segment is a row id; any other is a key (facility code, token, tracking).
        schema: dict[str, Any] = ({"type": "integer", "minimum": 1, "maximum": MAX_ID}
                                  if matches == r"\d+" else {"type": "string", "maxLength": 64})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=_REF)
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _raw(media_type: str) -> dict[str, Any]:
    """A body that no model describes: text (CSV) or a file."""
    if media_type.startswith("text/"):
        return {"type": "string"}
    return {"type": "string", "format": "binary"}


def _operation(described: Operation, resource: web.AbstractResource, schemas: dict[str, Any],
               refs: Mapping[tuple[Any, JsonSchemaMode], Any]) -> dict[str, Any]:
    reply_schema = (refs[(described.reply, "serialization")] if described.reply
                    else _raw(described.reply_type))
    op: dict[str, Any] = {
        "tags": [described.tag],
        "summary": described.summary,
        "responses": {
            str(described.status): {"description": "OK", "content": {
                described.reply_type: {"schema": reply_schema}}},
            "default": {"description": "Refused, with a message in the user's language",
                        "content": {"application/json": {
                            "schema": refs[(ErrorReply, "serialization")]}}},
        },
    }
    parameters = _path_parameters(resource)
    if described.query is not None:
        parameters += _query_parameters(described.query, schemas)
    if parameters:
        op["parameters"] = parameters
    if described.body is not None or described.body_type != "application/json":
        body = (refs[(described.body, "validation")] if described.body
                else _raw(described.body_type))
        op["requestBody"] = {"required": True, "content": {described.body_type: {"schema": body}}}
    if not described.public:
        op["security"] = [{"session": [], "csrf": []}]
    return op


def openapi_document(router: web.UrlDispatcher) -> dict[str, Any]:
    routes = []
    for route in router.routes():
        resource = route.resource
        described = operation_of(route.handler)
        if (resource is not None and resource.canonical.startswith("/api/")
                and route.method != "HEAD" and described is not None):
            routes.append((route.method.lower(), resource, described))
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorReply, "serialization")}
    for _, _, described in routes:
        if described.body is not None:
            models.add((described.body, "validation"))
        if described.reply is not None:
            models.add((described.reply, "serialization"))
    refs, defs = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])),
                                    ref_template=_REF)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for method, resource, described in routes:
        paths.setdefault(resource.canonical, {})[method] = _operation(described, resource,
                                                                      schemas, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "sambang", "version": "0.1.0",
                 "description": "The JSON API of a sambang facility. Write requests need the "
                                "session cookie and the X-CSRF-Token header (from /api/login)."},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sambang_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
            "schemas": schemas,
        },
    }
