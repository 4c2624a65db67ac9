"""The obvious relay, kept only as the benchmark's baseline: aiortc's MediaRelay decodes what each
leg sends and the other leg's sender encodes it again."""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack


class _Proxy(MediaStreamTrack):
    """Sends whatever track the other leg brings, once it is there."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.source: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

    async def recv(self) -> Any:
        return await (await self.source).recv()


class TranscodingSession:
    def __init__(self) -> None:
        self._relay = MediaRelay()
        self._pcs: dict[str, RTCPeerConnection] = {}
        self._proxies: dict[str, dict[str, _Proxy]] = {}
        self._arrived: dict[str, dict[str, MediaStreamTrack]] = {}

    async def answer(self, side: str, sdp: str) -> str:
        other = "station" if side == "family" else "family"
        pc = RTCPeerConnection()
        self._pcs[side] = pc
        proxies = {kind: _Proxy(kind) for kind in ("audio", "video")}
        self._proxies[side] = proxies

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            target = self._proxies.get(other, {}).get(track.kind)
            if target is not None and not target.source.done():
                target.source.set_result(self._relay.subscribe(track))
            self._arrived.setdefault(side, {})[track.kind] = track

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for kind, proxy in proxies.items():
            pc.addTrack(proxy)
            arrived = self._arrived.get(other, {}).get(kind)
            if arrived is not None:
                proxy.source.set_result(self._relay.subscribe(arrived))
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    async def close(self) -> None:
        for pc in self._pcs.values():
            await pc.close()
