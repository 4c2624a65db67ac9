"""The station's picture for the identity check before a call: while its inmate is called, the
kiosk sends a still of its camera each second over its socket, and the officer's console shows
the newest beside the register's photo. Only the newest still of each station is kept, in
memory, and only for the visit it was sent for: nothing of it is written anywhere."""

from __future__ import annotations

from dataclasses import dataclass

FRESH_SECONDS = 10.0  # an older still no longer shows who is at the station now


@dataclass(frozen=True)
class Still:
    visit_id: int
    jpeg: bytes
    at: float


class StationPictures:
    def __init__(self) -> None:
        self._newest: dict[int, Still] = {}  # station -> its newest still

    def put(self, station_id: int, visit_id: int, jpeg: bytes, now: float) -> None:
        self._newest[station_id] = Still(visit_id, jpeg, now)

    def newest(self, station_id: int, visit_id: int, now: float) -> bytes | None:
        still = self._newest.get(station_id)
        if still is None or still.visit_id != visit_id or now - still.at > FRESH_SECONDS:
            return None
        return still.jpeg

    def forget(self, station_id: int) -> None:
        self._newest.pop(station_id, None)
