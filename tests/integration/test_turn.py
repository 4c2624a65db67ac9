"""The TURN credentials a visit's pages get, tried on a real coturn with real allocations: the
visit's own work; an expired one, or one altered to name another visit, is refused."""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path
from typing import Any

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint

from signaling.turn import MARGIN_SECONDS, credentials
from tests.conftest import AppMaker
from tests.coturn import Coturn, coturn

pytestmark = pytest.mark.timeout(60)


class Quiet(asyncio.DatagramProtocol):
    pass


def no_verify() -> ssl.SSLContext:
    """The test's coturn has a self-signed certificate; what is tried here is the credential."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def allocate(server: Coturn, user: str, password: str, tls: bool = False) -> str:
    """A TURN allocation as a browser makes one; returns the relayed address coturn gave."""
    if tls:
        transport, _ = await create_turn_endpoint(
            Quiet, (server.host, server.tls_port), user, password, ssl=no_verify(),
            transport="tcp")
    else:
        transport, _ = await create_turn_endpoint(
            Quiet, (server.host, server.udp_port), user, password)
    try:
        host, port = transport.get_extra_info("sockname")
        return f"{host}:{port}"
    finally:
        transport.close()


async def refused(server: Coturn, user: str, password: str) -> int:
    with pytest.raises(stun.TransactionFailed) as failure:
        await allocate(server, user, password)
    code: int = failure.value.response.attributes["ERROR-CODE"][0]
    return code


async def test_a_visits_own_credentials_work_and_no_others(make_sambang: AppMaker,
                                                          tmp_path: Path) -> None:
    async with coturn(tmp_path / "coturn") as server:
        s = await make_sambang(turn=server.settings())
        family, station, visit_id, _ = await s.live_visit()
        servers: list[dict[str, Any]] = (await family.wait_for("live"))["ice_servers"]
        assert (await station.wait_for("live"))["ice_servers"] == servers
        assert servers[0]["urls"] == [server.udp_url, server.tls_url]
        user, password = servers[0]["username"], servers[0]["credential"]
        assert user.endswith(f":visit-{visit_id}")

        assert (await allocate(server, user, password)).startswith(server.host)
        assert (await allocate(server, user, password, tls=True)).startswith(server.host)

        # The password of this visit under another visit's name, as a page that wanted another
        # visit's relay would try: coturn recomputes the password from the name and refuses.
        expiry = user.split(":")[0]
        assert await refused(server, f"{expiry}:visit-{visit_id + 1}", password) == 401
        # A credential whose visit (and margin) is over.
        past_user, past_password = credentials(server.secret, visit_id,
                                               time.time() - MARGIN_SECONDS - 60)
        assert await refused(server, past_user, past_password) == 401
        # One made with a secret coturn does not share.
        other_user, other_password = credentials("not-the-secret", visit_id, time.time())
        assert await refused(server, other_user, other_password) == 401
        await family.close()
        await station.close()
