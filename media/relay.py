"""The relay: every visit's media passes through here, so the server, not the browsers, decides
when it stops.

A `RelaySession` holds one peer connection per leg ("family", "station"). What arrives from one leg
is pushed into `ForwardTrack`s that the other leg's connection sends. For now frames are decoded
and encoded again (the relay issue replaces this with forwarding of encoded frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from media.tracks import ForwardTrack

log = logging.getLogger(__name__)

SIDES = ("family", "station")
KINDS = ("audio", "video")

LegStateCallback = Callable[[str, str], None]


class SdpError(ValueError):
    """The offer could not be used; only that leg is affected."""


class SessionClosed(RuntimeError):
    pass


def other_side(side: str) -> str:
    return "station" if side == "family" else "family"


@dataclass
class Leg:
    side: str
    pc: RTCPeerConnection
    outbound: dict[str, ForwardTrack]
    pumps: list[asyncio.Task[None]] = field(default_factory=list)
    frames_in: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})


class RelaySession:
    def __init__(self, visit_id: int, on_leg_state: LegStateCallback) -> None:
        self.visit_id = visit_id
        self._on_leg_state = on_leg_state
        self._legs: dict[str, Leg] = {}
        self.closed = False

    def frames_in(self, side: str) -> dict[str, int]:
        leg = self._legs.get(side)
        return dict(leg.frames_in) if leg else {k: 0 for k in KINDS}

    async def answer(self, side: str, offer_sdp: str) -> str:
        if self.closed:
            raise SessionClosed(f"visit {self.visit_id} has ended")
        if side not in SIDES:
            raise ValueError(side)
        old = self._legs.pop(side, None)
        if old is not None:  # a page that reconnects replaces its leg
            await self._close_leg(old)
        pc = RTCPeerConnection()
        leg = Leg(side=side, pc=pc, outbound={k: ForwardTrack(k) for k in KINDS})
        self._legs[side] = leg

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            leg.pumps.append(asyncio.create_task(self._pump(leg, track)))

        @pc.on("connectionstatechange")
        def on_state() -> None:
            log.info("visit %s %s leg: %s", self.visit_id, side, pc.connectionState)
            if not self.closed and self._legs.get(side) is leg:
                self._on_leg_state(side, pc.connectionState)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            kinds_offered = {t.kind for t in pc.getTransceivers()}
            for kind in KINDS:
                if kind in kinds_offered:
                    pc.addTrack(leg.outbound[kind])
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many types for a bad SDP
            self._legs.pop(side, None)
            await self._close_leg(leg)
            raise SdpError(str(exc) or type(exc).__name__) from exc
        return str(pc.localDescription.sdp)

    async def _pump(self, leg: Leg, track: MediaStreamTrack) -> None:
        """Read everything a leg sends (an unread track leaks) and hand it to the other leg."""
        kind = track.kind
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if self.closed:
                return
            leg.frames_in[kind] += 1
            target = self._legs.get(other_side(leg.side))
            if target is not None:
                target.outbound[kind].push(frame)

    async def close(self) -> None:
        """Cut the media: stop sending at once, then close both legs."""
        if self.closed:
            return
        self.closed = True
        legs = list(self._legs.values())
        self._legs.clear()
        for leg in legs:
            for sender in leg.pc.getSenders():
                sender.replaceTrack(None)
        await asyncio.gather(*(self._close_leg(leg) for leg in legs))

    async def _close_leg(self, leg: Leg) -> None:
        for track in leg.outbound.values():
            track.stop()
        for task in leg.pumps:
            task.cancel()
        for task in leg.pumps:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await leg.pc.close()


class Relay:
    """All relay sessions of this process, by visit."""

    def __init__(self) -> None:
        self._sessions: dict[int, RelaySession] = {}

    def open(self, visit_id: int, on_leg_state: LegStateCallback) -> RelaySession:
        session = self._sessions.get(visit_id)
        if session is None:
            session = RelaySession(visit_id, on_leg_state)
            self._sessions[visit_id] = session
        return session

    def get(self, visit_id: int) -> RelaySession | None:
        return self._sessions.get(visit_id)

    async def close(self, visit_id: int) -> None:
        session = self._sessions.pop(visit_id, None)
        if session is not None:
            await session.close()

    async def close_all(self) -> None:
        for visit_id in list(self._sessions):
            await self.close(visit_id)
