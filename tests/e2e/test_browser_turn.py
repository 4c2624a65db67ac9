"""A family on a network that drops every UDP packet (a Linux namespace with nftables, made by
the test) still sees and hears the inmate: its Chromium reaches the relay through coturn over TLS,
with the visit's own credentials from the `live` message. The station stays on this machine."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright

from tests.conftest import AppMaker
from tests.coturn import Coturn, coturn
from tests.e2e.test_browser_visit import (
    CHROMIUM_ARGS,
    FRAMES_DECODED,
    KIOSK,
    PORTRAIT,
    SHOTS,
    chromium_path,
    wait_decoding,
)
from tests.net_namespace import namespace

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# The local end of the pair the page's connection runs on: its type and, for a relayed one, how
# the page reaches its TURN server.
SELECTED_PAIR = """async () => {
  const stats = await window.sambang.pc.getStats();
  const byId = {};
  stats.forEach(r => { byId[r.id] = r; });
  let pair = null;
  stats.forEach(r => {
    if (r.type === "transport" && r.selectedCandidatePairId) pair = byId[r.selectedCandidatePairId];
  });
  const local = pair && byId[pair.localCandidateId];
  return local ? {type: local.candidateType, protocol: local.relayProtocol || null} : null;
}"""


async def growing(page: Page, seconds: float = 3.0) -> dict[str, int]:
    """How many more video frames and audio packets the page got over `seconds`."""
    before: dict[str, int] = await page.evaluate(FRAMES_DECODED)
    await asyncio.sleep(seconds)
    after: dict[str, int] = await page.evaluate(FRAMES_DECODED)
    return {kind: after[kind] - before[kind] for kind in ("video", "audio")}


async def test_a_family_whose_network_blocks_udp_calls_through_turn_over_tls(
        make_sambang: AppMaker, tmp_path: Path) -> None:
    with namespace("turn") as ns:
        ns.block_udp()
        async with coturn(tmp_path / "coturn", host=ns.host_ip) as server:
            s = await make_sambang(relay_workers=1, turn=server.settings())
            # The family reaches the server at this machine's end of the veth.
            site = web.TCPSite(s.client.server.runner, ns.host_ip, 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            family_base = f"http://{ns.host_ip}:{port}"
            await run_visit(s, family_base, ns.launcher(tmp_path, chromium_path()), server)


async def run_visit(s: Any, family_base: str, family_chromium: Path, server: Coturn) -> None:
    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    async with async_playwright() as pw:
        here = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        # Camera and microphone need a secure page; this address is one only by this flag. The
        # browser checks the TURN server's certificate: it is told to trust the test's own key.
        away = await pw.chromium.launch(executable_path=str(family_chromium), args=[
            *CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={family_base}",
            f"--ignore-certificate-errors-spki-list={server.spki}"])
        try:
            station = await (await here.new_context(viewport=KIOSK)).new_page()
            await station.goto(str(s.client.make_url(f"/s/{station_token}")))
            await station.wait_for_selector("text=Menunggu panggilan")
            family = await (await away.new_context(viewport=PORTRAIT, is_mobile=True,
                                                   has_touch=True)).new_page()
            await family.goto(f"{family_base}/t/{token}")
            await family.wait_for_function(
                "document.querySelector('#position').textContent === '1'")

            status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
            assert status == 201, visit
            status, _ = await s.post(f"/api/visits/{visit['visit_id']}/start",
                                     {"inmate_confirmed": True}, csrf)
            assert status == 200
            started = time.monotonic()
            try:
                await wait_decoding(family, timeout=30)
            except AssertionError:
                print(server.log.read_text()[-3000:])
                raise
            await wait_decoding(station, timeout=30)
            print(f"family decoding {time.monotonic() - started:.1f} s after start")

            # Both ways, still flowing: the family's picture and sound, and the station's.
            for page in (family, station):
                more = await growing(page)
                # A few frames a second is enough: on this loaded test machine a page may draw few.
                assert more["video"] > 5 and more["audio"] > 10, (page.url, more)
            # ... and the family's through coturn over TLS, the one way its network allows.
            assert await family.evaluate(SELECTED_PAIR) == {"type": "relay", "protocol": "tls"}
            assert not await family.is_visible("#remote-wait")
            SHOTS.mkdir(parents=True, exist_ok=True)
            await family.screenshot(path=str(SHOTS / "call-family-through-turn.png"))

            # On such a line the family may choose audio only: its camera closes, no video comes
            # either way, the voices go on; and video comes back when it asks.
            await family.click("#audio-btn")
            await family.wait_for_selector("text=Hanya suara dengan Bilik 1")
            await family.wait_for_function(
                "sambang.pc && sambang.pc.getTransceivers().length === 1 && "
                "sambang.localStream && sambang.localStream.getVideoTracks().length === 0")
            await family.wait_for_function("sambang.pc.connectionState === 'connected'")
            for page in (family, station):
                more = await growing(page)
                assert more["audio"] > 10, (page.url, more)
            assert (await growing(family))["video"] == 0
            assert not await family.is_visible("#cam-btn")
            await family.screenshot(path=str(SHOTS / "call-family-audio-only.png"))
            await family.click("#audio-btn:has-text(\"Pakai video\")")
            await wait_decoding(family, timeout=30)
            assert (await growing(station))["video"] > 5
        finally:
            await away.close()
            await here.close()
