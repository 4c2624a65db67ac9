"""Monitoring nobody can detect, in real Chromium: what the family's and the station's pages can
measure of their own sending (keyframe requests, keyframes, bitrate, frame rate) is the same over
a window in which a supervisor opens and leaves the wall three times as over an equal window
without anyone watching; and the wall did show both pictures each time."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import Browser, Page

from server.db import facility_rows
from server.keys import ENGINE
from tests.conftest import AppMaker
from tests.e2e.test_browser_visit import browser, phone_page, wait_decoding
from tests.e2e.test_browser_wall import TILE_FRAMES, login

__all__ = ["browser"]

pytestmark = pytest.mark.browser

SENDING = """async () => {
  const out = {pli: 0, fir: 0, nack: 0, keyframes: 0, bytes: 0, frames: 0, resized: 0,
               cpu: 0, bw: 0};
  (await window.sambang.pc.getStats()).forEach(r => {
    if (r.type === "outbound-rtp" && r.kind === "video") {
      out.pli += r.pliCount || 0; out.fir += r.firCount || 0; out.nack += r.nackCount || 0;
      out.keyframes += r.keyFramesEncoded || 0; out.bytes += r.bytesSent || 0;
      out.frames += r.framesEncoded || 0;
      out.resized += r.qualityLimitationResolutionChanges || 0;
      const d = r.qualityLimitationDurations || {};
      out.cpu += d.cpu || 0; out.bw += d.bandwidth || 0;
    }
  });
  return out;
}"""

# What a join used to cost each sender: one keyframe request (pliCount) per join, plus those
# the monitor's own decoder sent upstream; three joins break a tolerance of one. The relay's own
# schedule asks every few seconds whether anyone watches; where a window falls against it moves
# a count by one.
COUNT_TOLERANCE = 1
# Chrome's VP8 encoder also makes keyframes nobody asked for when its bandwidth estimate swings,
# which on the shared 2-core test machine it does with or without a monitor (0-3 a window seen
# with no monitor at all). A requested keyframe shows in pliCount above, held to one.
KEYFRAME_TOLERANCE = 3
# Bitrate and frame rate of equal windows with nobody watching differed by up to 3x on the
# loaded test machine (other suites, the browser itself): they are checked for media flowing
# alike in both windows, not to a precision a keyframe would show in.
RATE_RATIO = 4.0
JOINS = 3


async def _sending(pages: list[Page]) -> list[dict[str, float]]:
    return [await page.evaluate(SENDING) for page in pages]


def _delta(after: list[dict[str, float]], before: list[dict[str, float]],
           seconds: float) -> list[dict[str, float]]:
    out = []
    for a, b in zip(after, before, strict=True):
        d = {key: a[key] - b[key] for key in a}
        d["kbps"] = d.pop("bytes") * 8 / 1000 / seconds
        d["fps"] = d.pop("frames") / seconds
        out.append(d)
    return out


async def _watch_until_both_pictures(browser: Browser, base: str, visit_id: int) -> None:
    """A supervisor opens the wall, sees both sides of the visit moving, and leaves."""
    desk = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        wall = await desk.new_page()
        await login(wall, base, "karupam")
        await wall.goto(f"{base}/wall")
        await wall.locator(f".tile[data-visit='{visit_id}']").wait_for()
        deadline = time.monotonic() + 20
        while True:
            frames = await wall.evaluate(TILE_FRAMES, visit_id)
            if len(frames) == 2 and min(frames) >= 10:
                break
            assert time.monotonic() < deadline, f"wall tile decoded {frames}"
            await asyncio.sleep(0.25)
    finally:
        await desk.close()


async def test_a_supervisor_watching_changes_nothing_the_pages_measure(
        make_sambang: AppMaker, browser: Browser) -> None:
    s = await make_sambang(relay_workers=1)
    base = str(s.client.make_url("/")).rstrip("/")
    csrf = await s.login()
    stations = await facility_rows.stations_for(s.app[ENGINE], 1)
    station_token = await facility_rows.rotate_station_token(s.app[ENGINE], stations[0]["id"])
    _, token = await s.issue_ticket(csrf, "Sri Wahyuni")
    station = await (await browser.new_context(viewport={"width": 1024, "height": 700})).new_page()
    await station.goto(f"{base}/s/{station_token}")
    family = await phone_page(browser)
    await family.goto(f"{base}/t/{token}")
    await family.wait_for_function("document.querySelector('#position').textContent === '1'")
    status, visit = await s.post("/api/visits", {"station_id": stations[0]["id"]}, csrf)
    assert status == 201
    visit_id = int(visit["visit_id"])
    await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True}, csrf)
    pages = [family, station]
    for page in pages:
        await wait_decoding(page)
    await asyncio.sleep(4.0)  # past the start's keyframes and the first bitrate ramp

    # Watched: a supervisor joins and leaves, again and again.
    started, before = time.monotonic(), await _sending(pages)
    for _ in range(JOINS):
        await _watch_until_both_pictures(browser, base, visit_id)
    seconds = time.monotonic() - started
    watched = _delta(await _sending(pages), before, seconds)

    # Not watched: an equal window.
    before = await _sending(pages)
    await asyncio.sleep(seconds)
    alone = _delta(await _sending(pages), before, seconds)

    for name, w, a in zip(("family", "station"), watched, alone, strict=True):
        report = f"{name}: watched {w}, alone {a}"
        for key in ("pli", "fir", "nack"):
            assert abs(w[key] - a[key]) <= COUNT_TOLERANCE, report
        assert abs(w["keyframes"] - a["keyframes"]) <= KEYFRAME_TOLERANCE, report
        assert a["pli"] >= 1, report  # the schedule exists, watched or not: monitors start there
        for key in ("kbps", "fps"):
            assert 1 / RATE_RATIO <= w[key] / max(a[key], 1.0) <= RATE_RATIO, report
    await s.client.close()
