"""Errors that handlers raise; the middleware turns them into a page or JSON in the user's
language."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, code: str, status: int = 400, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.values = values


# The live facility day refuses with a code only (signaling.ports.HubError); its HTTP status
# is decided here, for the API and the pages alike. Any code not listed is a conflict (409).
HUB_STATUS = {
    "station_unknown": 404,
    "visit_unknown": 404,
    "legal_visit": 403,
    "forbidden": 403,
    "bad_value": 422,
}


def hub_status(code: str) -> int:
    return HUB_STATUS.get(code, 409)
