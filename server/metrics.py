"""Prometheus metrics of one app, in a registry the app owns (two apps in one process, as in the
tests, never share a series). Events are counted as they happen (failed logins, each ticket's
wait); what mirrors live state (visits, waiting families, relay workers, the outbox, open
sockets) is read at scrape time from a snapshot, so nothing is counted twice and nothing drifts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# A family waits minutes to a morning: buckets from one minute to four hours.
WAIT_BUCKETS = (60.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0, 7200.0,
                10800.0, 14400.0)


@dataclass(frozen=True)
class FacilityLive:
    code: str
    visits: dict[str, int]  # by visit state: called, live
    transcoded: int  # visits whose legs share no codec, so the relay transcodes
    waiting_present: int  # families in the queue room
    waiting_away: int  # tickets waiting whose family is not on the page


@dataclass(frozen=True)
class WorkerLive:
    worker: str
    visits: int
    cpu: float | None  # CPU-seconds per second, as the worker last reported
    rss_bytes: float | None


@dataclass(frozen=True)
class Live:
    facilities: list[FacilityLive] = field(default_factory=list)
    workers: list[WorkerLive] = field(default_factory=list)
    outbox: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, state)
    open_sockets: int = 0


class _LiveCollector(Collector):
    def __init__(self) -> None:
        self.live = Live()

    def collect(self) -> Iterable[Metric]:
        live = self.live
        visits = GaugeMetricFamily("sambang_visits", "Visits called or live now.",
                                   labels=["facility", "state"])
        transcoded = GaugeMetricFamily(
            "sambang_transcoded_visits", "Visits now whose media the relay transcodes.",
            labels=["facility"])
        waiting = GaugeMetricFamily(
            "sambang_waiting_tickets", "Tickets waiting in the queue, by whether the family is "
            "in the queue room.", labels=["facility", "present"])
        for f in live.facilities:
            for state in ("called", "live"):
                visits.add_metric([f.code, state], f.visits.get(state, 0))
            transcoded.add_metric([f.code], f.transcoded)
            waiting.add_metric([f.code, "yes"], f.waiting_present)
            waiting.add_metric([f.code, "no"], f.waiting_away)
        worker_visits = GaugeMetricFamily(
            "sambang_relay_worker_visits", "Relay sessions on each relay worker.",
            labels=["worker"])
        worker_cpu = GaugeMetricFamily(
            "sambang_relay_worker_cpu_ratio", "CPU-seconds per second each relay worker used, "
            "as it last reported.", labels=["worker"])
        worker_rss = GaugeMetricFamily(
            "sambang_relay_worker_resident_memory_bytes", "Resident memory of each relay worker.",
            labels=["worker"])
        for w in live.workers:
            worker_visits.add_metric([w.worker], w.visits)
            if w.cpu is not None:
                worker_cpu.add_metric([w.worker], w.cpu)
            if w.rss_bytes is not None:
                worker_rss.add_metric([w.worker], w.rss_bytes)
        outbox = GaugeMetricFamily(
            "sambang_outbox_messages", "Notifications waiting to be sent (pending) or given up "
            "(failed).", labels=["channel", "state"])
        # Every series from the start, at 0, so an alert on a rise needs no special case.
        known = {(c, s) for c in ("email", "webhook") for s in ("pending", "failed")}
        for channel, state in sorted(known | set(live.outbox)):
            outbox.add_metric([channel, state], live.outbox.get((channel, state), 0))
        sockets = GaugeMetricFamily("sambang_open_sockets", "Page WebSockets open now.",
                                    value=live.open_sockets)
        yield from (visits, transcoded, waiting, worker_visits, worker_cpu, worker_rss, outbox,
                    sockets)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._live = _LiveCollector()
        self.registry.register(self._live)
        self.failed_logins = Counter(
            "sambang_failed_logins", "Staff logins refused: wrong username or password, or an "
            "inactive account.", registry=self.registry)
        self.throttled_logins = Counter(
            "sambang_throttled_logins", "Staff logins refused unchecked after too many failures "
            "from one address or for one username.", registry=self.registry)
        self.ticket_wait = Histogram(
            "sambang_ticket_wait_seconds", "A ticket's wait from joining the queue to being "
            "called.", labelnames=["facility"], buckets=WAIT_BUCKETS, registry=self.registry)

    def render(self, live: Live) -> bytes:
        """The exposition text, with the live gauges read from `live`."""
        # No await between setting and reading: one scrape cannot see another's snapshot.
        self._live.live = live
        return generate_latest(self.registry)
