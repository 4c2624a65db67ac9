"""Logging for every sambang process, the server and its relay workers alike: structlog
configured once, with the standard library's records routed through the same processors, so a
field passed with `extra=` or bound with structlog's context (visit, ticket, connection) stays a
field. JSON lines when stderr is not a terminal (a service manager, a container, a file); readable
lines on a terminal.

It lives here because both server/ and media/ (the relay workers) may import signaling/, and
neither may import the other."""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

import structlog

# Aioice and aiortc are chatty at INFO about every candidate pair; the access log would write a
# line per request, and a request's path may be a family's queue room link (a secret).
_QUIET = ("aioice", "aiortc", "aiohttp.access")


def setup_logging(level: int | str | None = None, stream: TextIO | None = None,
                  as_json: bool | None = None) -> None:
    """Configure logging for this process; `SAMBANG_LOG_LEVEL` sets the level when none is
    given. Calling it again replaces the earlier set-up (tests do)."""
    stream = stream or sys.stderr
    if as_json is None:
        as_json = not stream.isatty()
    if level is None:
        level = os.environ.get("SAMBANG_LOG_LEVEL", "INFO").upper()
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor
    if as_json:
        renderer = structlog.processors.JSONRenderer(default=str)
        # Tracebacks without the frames' locals: a local may be a password or a ticket link.
        finish: list[structlog.types.Processor] = [structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False))]
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback)
        finish = []
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *finish,
                    renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
