"""The relay's own ICE servers: the deployment's TURN server, so the relay's peer connections
have a relayed candidate too, for a family whose network lets nothing but TURN through and whose
TURN server cannot reach the relay's host addresses directly."""

from __future__ import annotations

from aiortc import RTCConfiguration, RTCIceServer

from signaling.turn import TurnSettings, credentials, relay_url

# The relay's credentials never leave the server, so their length is not what protects them; it
# need only outlast any visit (the allocation is refreshed with the same credentials).
RELAY_CREDENTIAL_SECONDS = 6 * 3600


def relay_configuration(turn: TurnSettings, visit_id: int, now: float) -> RTCConfiguration | None:
    """None without TURN: aiortc's default then applies, as before TURN was configured."""
    url = relay_url(turn.urls)
    if url is None or not turn.secret:
        return None
    user, password = credentials(turn.secret, visit_id, now + RELAY_CREDENTIAL_SECONDS)
    return RTCConfiguration(iceServers=[RTCIceServer(urls=url, username=user, credential=password)])
