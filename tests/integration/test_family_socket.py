"""A family's socket answers what docs/protocol.md says: `pong` to a ping, and to a message it
does not take (an unknown type, or a supervisor's `monitor`) an `error` in the page's language,
then code 1008 for that socket only."""

from __future__ import annotations

import asyncio

from tests.conftest import Sambang
from tests.peers import Peer


async def test_a_message_the_family_page_does_not_send_is_refused_as_documented(
        sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    for wrong in ({"type": "hello"},
                  {"type": "monitor", "visit_id": 1, "sdp": "v=0\r\n"},
                  {"type": "unmonitor", "visit_id": 1}):
        family = await Peer(s.client, f"/ws/ticket/{token}").open()
        await family.wait_for("queue")
        await family.send({"type": "ping"})
        await family.wait_for("pong")
        await family.send(wrong)
        error = await family.wait_for("error")
        assert error["code"] == "bad_message" and error["message"], wrong
        for _ in range(100):
            if family.close_code is not None:
                break
            await asyncio.sleep(0.05)
        assert family.close_code == 1008, wrong
