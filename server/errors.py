"""Errors that handlers raise; the middleware turns them into a page or JSON in the user's
language."""

from __future__ import annotations

from server.i18n import CATALOG, translate


class ApiError(Exception):
    def __init__(self, code: str, status: int = 400, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.values = values

    def message(self, lang: str) -> str:
        return translate(self.code, lang, **self.values)


class InvalidField(ApiError):
    """Input that does not fit: 422 naming the field (a dotted path such as `rows.2.name`)
    and what is wrong with it (`problem`, a key of the catalog after "problem_")."""

    def __init__(self, field: str, problem: str = "invalid", **values: object) -> None:
        if f"problem_{problem}" not in CATALOG:
            problem = "invalid"
        super().__init__("invalid", 422, field=field, problem=problem, **values)
        self.field = field

    def message(self, lang: str) -> str:
        values = dict(self.values)
        try:
            problem = translate(f"problem_{values.pop('problem')}", lang, **values)
        except KeyError:  # a problem whose text wants a value it was not given: say less
            problem = translate("problem_invalid", lang)
        return translate("invalid", lang, field=self.field, problem=problem)


# The live facility day refuses with a code only (signaling.ports.HubError); its HTTP status
# is decided here, for the API and the pages alike. Any code not listed is a conflict (409).
HUB_STATUS = {
    "station_unknown": 404,
    "visit_unknown": 404,
    "legal_visit": 403,
    "forbidden": 403,
    "bad_value": 422,
    # No relay has room for one more visit: the server is busy, not the request wrong.
    "relay_full": 503,
}


def hub_status(code: str) -> int:
    return HUB_STATUS.get(code, 409)
