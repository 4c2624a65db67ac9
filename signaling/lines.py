"""The clock stops while a line is down: pure rules on one live visit's lines.

A side's line is down while its page's socket is closed or the relay hears nothing from it (its
media stopped, or its connection failed). While any side that has not stepped out on purpose is
down, the visit's clock stands still (`lifecycle.Pause`); when every such side is back it goes on
from where it stopped (`lifecycle.Resume`), its deadline moved by the time it stood. Each
function returns the driver's actions (signaling/commands.py) and never does IO.
"""

from __future__ import annotations

from signaling import commands as c
from signaling import lifecycle as lc

SOCKET = "socket"
MEDIA = "media"


def down(info: c.VisitInfo, side: str, reason: str, since: float, now: float) -> list[c.Action]:
    """`side`'s line went down for `reason` at `since` (a stalled stream is noticed late)."""
    if info.visit.state is not lc.VisitState.LIVE:
        return []
    why = info.down.setdefault(side, set())
    if reason in why:
        return []
    first = not why
    why.add(reason)
    told: list[c.Action] = [c.PublishLegLost(info, side)] if first else []
    return [*told, *_settle(info, since, now), c.PublishConsole()]


def up(info: c.VisitInfo, side: str, reason: str, now: float) -> list[c.Action]:
    why = info.down.get(side)
    if info.visit.state is not lc.VisitState.LIVE or not why or reason not in why:
        return []
    why.discard(reason)
    return [*_settle(info, now, now), c.PublishConsole()]


def step_out(info: c.VisitInfo, side: str, now: float) -> list[c.Action]:
    """The page left its call on purpose: the visit goes on for the other side, clock running."""
    if info.visit.state is not lc.VisitState.LIVE or side in info.away:
        return []
    info.away.add(side)
    return [*_settle(info, now, now), c.PublishConsole()]


def answered(info: c.VisitInfo, side: str, now: float) -> list[c.Action]:
    """The relay answered a new offer from `side`. One that had stepped out is back in the call
    (its old connection's silence no longer counts); any other side's line is up only when the
    relay hears its media again."""
    if side not in info.away:
        return []
    info.away.discard(side)
    info.down.get(side, set()).discard(MEDIA)
    return _settle(info, now, now)


def _settle(info: c.VisitInfo, since: float, now: float) -> list[c.Action]:
    visit = info.visit
    if info.lines_down and not visit.paused:
        return changes(info, visit.handle(lc.Pause(since), now), now)
    if not info.lines_down and visit.paused:
        return changes(info, visit.handle(lc.Resume(), now), now)
    return []


def changes(info: c.VisitInfo, done: list[lc.Action], now: float) -> list[c.Action]:
    """What a pause or a resume means for the timeline and the pages."""
    vid = info.visit.visit_id
    out: list[c.Action] = []
    for change in done:
        match change:
            case lc.Paused(since=since):
                # The pages first: they are told at once, the timeline can wait a moment.
                out += [c.PublishReconnecting(info),
                        c.WriteVisitEvent(vid, since, "paused", "system",
                                          ",".join(sorted(info.lines_down)))]
            case lc.Resumed(paused_for=stood):
                out += [c.WriteVisitEvent(vid, now, "resumed", "system", f"{round(stood)}s"),
                        c.PublishVisit(info)]
    return out
