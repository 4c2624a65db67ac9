"""What the facility's live day answers without changing: which visit is whose, which a
supervisor may watch, which stations serve, and the estimates a family reads (when a station is
free, its wait, the fair share of a call).

Apart from `FacilityState.handle` (signaling/facility.py) because none of this changes the state
or returns actions: the pages, the views and the handlers all ask it, and it may be read at any
moment without an order of its own. `FacilityState` sets the tables declared here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from signaling import call_length as cl
from signaling import lifecycle as lc
from signaling import records as rec
from signaling.ports import HubError
from signaling.queue import QueuePolicy, VisitQueue
from signaling.schedule import Schedule


class FacilityQueries:
    visits: dict[int, rec.VisitInfo]
    stations: dict[int, rec.StationInfo]
    queue: VisitQueue
    policy: QueuePolicy
    schedule: Schedule | None
    timezone: str
    # station -> a call whose row is being written, and who called it
    _calling: dict[int, tuple[rec.VisitInfo, str]]

    def visit(self, visit_id: int) -> rec.VisitInfo:
        info = self.visits.get(visit_id)
        if info is None:
            raise HubError("visit_unknown")
        return info

    def visit_of_ticket(self, ticket_id: int) -> rec.VisitInfo | None:
        for info in self.visits.values():
            if info.ticket.ticket_id == ticket_id:
                return info
        return None

    def live_visit_of(self, side: str, owner_id: int) -> rec.VisitInfo:
        """The live visit of a family's ticket or a station; refused when there is none."""
        if side == "family":
            info = self.visit_of_ticket(owner_id)
        else:
            station = self.stations[owner_id]
            info = self.visits.get(station.visit_id) if station.visit_id is not None else None
        if info is None or info.visit.state is not lc.VisitState.LIVE:
            raise HubError("not_live")
        return info

    def monitorable(self, visit_id: int) -> rec.VisitInfo:
        """A visit a supervisor may watch now. Legal visits are never monitored."""
        info = self.visit(visit_id)
        if info.legal:
            raise HubError("legal_visit")
        if info.visit.state is not lc.VisitState.LIVE:
            raise HubError("not_live")
        return info

    def serving_stations(self) -> list[rec.StationInfo]:
        """Stations with a kiosk page open; all of them when none is open yet."""
        online = [st for st in self.stations.values() if st.pages > 0]
        return online or list(self.stations.values())

    def first_free_in(self, now: float) -> float:
        serving = self.serving_stations()
        if not serving or any(st.visit_id is None for st in serving):
            return 0.0
        return min(self._time_to_free(self.visits[st.visit_id].visit, now)
                   for st in serving if st.visit_id is not None)

    def eta_seconds(self, ticket_id: int, now: float) -> int | None:
        return self.queue.estimated_wait(ticket_id, max(1, len(self.serving_stations())),
                                         self.first_free_in(now))

    def fair_share_seconds(self, now: float) -> int | None:
        """Rutan Pekalongan's rule (see signaling/call_length.py); None without a session."""
        return cl.fair_share_seconds(self._session_load(now))

    def unserved_today(self, now: float) -> int:
        return cl.unserved(self._session_load(now), self.policy.call_seconds)

    def local_now(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, ZoneInfo(self.timezone))

    def _time_to_free(self, visit: lc.Visit, now: float) -> float:
        # A called visit has not started: it will take a whole default call.
        if visit.state is lc.VisitState.LIVE:
            return visit.seconds_left(now) + self.policy.changeover_seconds
        return float(self.policy.call_seconds + self.policy.changeover_seconds)

    def _session_load(self, now: float) -> cl.SessionLoad | None:
        # Called visits not yet started are still to be served at the length decided now.
        waiting = len(self.queue.waiting()) + len(self._calling) + sum(
            1 for v in self.visits.values() if v.visit.state is lc.VisitState.CALLED)
        return cl.session_load(self.schedule, self.local_now(now), waiting,
                               len(self.serving_stations()))
