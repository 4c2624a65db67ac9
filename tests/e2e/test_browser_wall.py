"""The supervisors' live wall in real Chromium: a tile appears for a live visit with both sides'
video, listening in changes nothing the family's or the station's page can see, the tile goes when
the visit ends, and a legal visit shows no media."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import Browser, Page

from server.db import facility_rows
from server.keys import ENGINE
from server.services.audit import read_all
from tests.conftest import PASSWORD, AppMaker
from tests.e2e.test_browser_visit import SHOTS, browser, phone_page, wait_decoding

__all__ = ["browser"]  # the fixture, shared with the visit test

pytestmark = pytest.mark.browser

TILE_FRAMES = """async (visit) => {
  const tile = window.sambangWall[visit];
  if (!tile || !tile.pc) return [];
  const out = [];
  (await tile.pc.getStats()).forEach(r => {
    if (r.type === "inbound-rtp" && r.kind === "video") out.push(r.framesDecoded || 0);
  });
  return out;
}"""

LEG_VIEW = """() => ({
  received: window.sambang.received.slice(),
  transceivers: window.sambang.pc ? window.sambang.pc.getTransceivers().length : 0,
  signaling: window.sambang.pc ? window.sambang.pc.signalingState : null,
})"""


async def login(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/console")


async def test_live_wall_watches_silently(make_sambang: AppMaker, browser: Browser) -> None:
    s = await make_sambang(relay_workers=2)
    base = str(s.client.make_url("/")).rstrip("/")
    csrf = await s.login()
    stations = await facility_rows.stations_for(s.app[ENGINE], 1)
    station_token = await facility_rows.rotate_station_token(s.app[ENGINE], stations[0]["id"])
    _, token = await s.issue_ticket(csrf, "Sri Wahyuni")

    desk = await browser.new_context(viewport={"width": 1280, "height": 900})
    supervisor = await desk.new_page()
    await login(supervisor, base, "karupam")
    await supervisor.goto(f"{base}/wall")
    await supervisor.wait_for_selector("text=Tidak ada kunjungan yang sedang berlangsung.")

    station = await (await browser.new_context(viewport={"width": 1024, "height": 700})).new_page()
    await station.goto(f"{base}/s/{station_token}")
    family = await phone_page(browser)
    await family.goto(f"{base}/t/{token}")
    await family.wait_for_function("document.querySelector('#position').textContent === '1'")

    status, visit = await s.post("/api/visits", {"station_id": stations[0]["id"]}, csrf)
    assert status == 201
    visit_id = visit["visit_id"]
    await s.confirm_identity(visit_id, csrf)
    await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True}, csrf)
    await wait_decoding(family)
    await wait_decoding(station)
    before = [await page.evaluate(LEG_VIEW) for page in (family, station)]

    tile = supervisor.locator(f".tile[data-visit='{visit_id}']")
    await tile.wait_for()
    assert "Sri Wahyuni" in await tile.inner_text()
    deadline = time.monotonic() + 20
    while True:
        frames = await supervisor.evaluate(TILE_FRAMES, visit_id)
        if len(frames) == 2 and min(frames) >= 10:
            break
        assert time.monotonic() < deadline, f"wall tile decoded {frames}"
        await asyncio.sleep(0.25)
    await tile.locator("button", has_text="Dengarkan").click()
    assert await tile.locator("video").first.evaluate("v => v.muted") is False
    await supervisor.screenshot(path=str(SHOTS / "wall-live.png"))
    await asyncio.sleep(1.0)

    # Nothing the family's or the station's page can observe changed.
    after = [await page.evaluate(LEG_VIEW) for page in (family, station)]
    for b, a in zip(before, after, strict=True):
        assert a["transceivers"] == b["transceivers"] and a["signaling"] == "stable"
        new = a["received"][len(b["received"]):]
        # Only what comes anyway: queue updates and the deadline re-sent every 15 s; nothing
        # about the monitor, no renegotiation.
        assert not set(new) - {"queue", "time"}, new

    await s.post(f"/api/visits/{visit_id}/end", {"reason": "selesai"}, csrf)
    await tile.wait_for(state="detached")
    deadline = time.monotonic() + 5
    while True:  # the page tells the server it stopped watching once the tile is gone
        events = [(e.event.actor, e.event.action) for e in await read_all(s.app[ENGINE])]
        if ("karupam", "monitor.leave") in events:
            break
        assert time.monotonic() < deadline, events
        await asyncio.sleep(0.1)
    assert ("karupam", "monitor.join") in events

    # The visit was recorded (the demo facility records all): both sides play together.
    await supervisor.goto(f"{base}/visits/{visit_id}/recordings")
    await supervisor.click("#play")
    await supervisor.wait_for_function(
        "[...document.querySelectorAll('.player video')].every(v => v.currentTime > 0.5)",
        timeout=10000)
    sizes = await supervisor.eval_on_selector_all(
        ".player video", "vs => vs.map(v => [v.videoWidth, v.videoHeight])")
    assert len(sizes) == 2 and all(w > 0 and h > 0 for w, h in sizes)
    await supervisor.screenshot(path=str(SHOTS / "recording-player.png"))
    await supervisor.goto(f"{base}/visits/{visit_id}")
    await supervisor.wait_for_selector("text=berakhir")
    await supervisor.screenshot(path=str(SHOTS / "visit-timeline.png"))
    await supervisor.goto(f"{base}/reports?period=week")
    await supervisor.wait_for_selector("svg.chart")
    await supervisor.screenshot(path=str(SHOTS / "reports-week.png"))
    await s.client.close()
