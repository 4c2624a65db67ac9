"""Rate limits for what the public can do without an account (registering, looking up a visitor
or a complaint): a sliding window per client address, kept in the app; the clock is passed in."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass
class Window:
    limit: int
    seconds: float
    hits: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def full(self, key: str, now: float) -> bool:
        recent = self.hits.get(key)
        if not recent:
            return False
        while recent and now - recent[0] >= self.seconds:
            recent.popleft()
        return len(recent) >= self.limit

    def hit(self, key: str, now: float) -> None:
        self.hits[key].append(now)
        if len(self.hits) > 10_000:  # forget idle clients rather than grow without bound
            for idle in [k for k, v in self.hits.items() if not v or now - v[-1] >= self.seconds]:
                del self.hits[idle]


class Limits:
    """The windows of one app. Families behind one carrier NAT share an address, so what counts
    is what abuse looks like: registrations made, and look-ups that found nothing."""

    def __init__(self, registrations_per_hour: int = 30, misses_per_10_min: int = 20,
                 login_failures_per_address: int = 30, login_failures_per_username: int = 10,
                 login_window_seconds: float = 900) -> None:
        self.windows = {
            "register": Window(limit=registrations_per_hour, seconds=3600),
            "lookup": Window(limit=misses_per_10_min, seconds=600),
            # Failed staff logins: a desk's officers may share an address, so the address gets
            # more room than one username, which is what guessing a password aims at.
            "login_address": Window(limit=login_failures_per_address,
                                    seconds=login_window_seconds),
            "login_username": Window(limit=login_failures_per_username,
                                     seconds=login_window_seconds),
        }

