"""Field types shared by the models: ids, text, days. Each carries its bounds, so the
validation and the OpenAPI document say the same thing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

# Row ids are INTEGER columns, 32 bits on PostgreSQL: a larger number names no row, and the
# driver would refuse it with an error instead of an empty answer.
MAX_ID = 2**31 - 1

Id = Annotated[int, Interval(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; SQLite can. Refusing it keeps both databases alike.
    if "\x00" in value:
        raise PydanticCustomError("nul", "contains NUL")
    return value


# Text as a person typed it: surrounding spaces dropped, no NUL. Length bounds go per field.
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_no_nul)]
# Text kept exactly as sent (a TOML schedule, a password).
RawText = Annotated[str, AfterValidator(_no_nul)]
# Bounds in a type (not Field) so that the type can also be optional.
Password = Annotated[str, StringConstraints(min_length=8, max_length=200),
                     AfterValidator(_no_nul)]

# A calendar day (the facility's local date). Bounded, so that a week or a month around it and
# its midnight in any time zone can always be computed.
Day = Annotated[date, Interval(ge=date(2000, 1, 1), le=date(2099, 12, 31))]


def _blank_is_none(value: Any) -> Any:
    # An empty form field in a query (`?station=`) means "not given".
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)
