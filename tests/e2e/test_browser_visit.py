"""The whole visit as people do it, in real headless Chromium with a fake camera and microphone:
the officer works the console, two families wait in the queue room on phone-sized screens, the
station kiosk shows the call."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from server.db import facility_rows
from server.keys import ENGINE
from tests.conftest import PASSWORD, AppMaker

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("SAMBANG_SCREENSHOTS", "test-artifacts"))

FRAMES_DECODED = """async () => {
  const pc = window.sambang && window.sambang.pc;
  if (!pc) return {video: 0, audio: 0};
  const out = {video: 0, audio: 0};
  (await pc.getStats()).forEach(r => {
    if (r.type === "inbound-rtp" && r.kind === "video") out.video = r.framesDecoded || 0;
    if (r.type === "inbound-rtp" && r.kind === "audio") out.audio = r.packetsReceived || 0;
  });
  return out;
}"""


def chromium_path() -> str:
    path = os.environ.get("SAMBANG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(path).exists(), "Chromium is missing: the test command installs it (apt)"
    return path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def staff_page(browser: Browser, base: str, username: str, home: str) -> Page:
    """A desk PC's browser, logged in as `username`, on its home page."""
    page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}{home}")
    return page


async def phone_page(browser: Browser) -> Page:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    return await context.new_page()


async def wait_decoding(page: Page, frames: int = 15, timeout: float = 20.0) -> dict[str, int]:
    """Poll getStats() until the page has decoded `frames` video frames and received audio."""
    deadline = time.monotonic() + timeout
    while True:
        stats: dict[str, int] = await page.evaluate(FRAMES_DECODED)
        if stats["video"] >= frames and stats["audio"] > 0:
            return stats
        assert time.monotonic() < deadline, f"{page.url}: decoded only {stats}"
        await asyncio.sleep(0.25)


async def test_visit_in_real_browsers(make_sambang: AppMaker, browser: Browser) -> None:
    s = await make_sambang(relay_workers=2)  # as `sambang serve` runs: relay in workers
    base = str(s.client.make_url("/")).rstrip("/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    stations = await facility_rows.stations_for(s.app[ENGINE], 1)
    station_token = await facility_rows.rotate_station_token(s.app[ENGINE], stations[0]["id"])

    officer = await staff_page(browser, base, "petugas", "/console")

    links = []
    for name in ("Sri Wahyuni", "Budi Hartono"):
        await officer.fill("input[name=visitor_name]", name)
        await officer.click("#ticket-form button[type=submit]")
        await officer.wait_for_function(
            "n => document.querySelector('#ticket-link').textContent.includes('/t/') && "
            "!document.querySelector('input[name=visitor_name]').value", arg=name)
        links.append(await officer.text_content("#ticket-link"))
    assert links[0] != links[1]

    station = await (await browser.new_context(viewport={"width": 1024, "height": 700})).new_page()
    await station.goto(f"{base}/s/{station_token}")
    await station.wait_for_selector("text=Menunggu panggilan")

    first = await phone_page(browser)
    second = await phone_page(browser)
    await first.goto(str(links[0]))
    await second.goto(str(links[1]))
    await second.wait_for_function("document.querySelector('#position').textContent === '2'")
    await second.click("#check-btn")
    await second.wait_for_selector("text=Kamera dan mikrofon siap.")
    await second.screenshot(path=str(SHOTS / "family-waiting.png"))
    # Two families, three hours of session left: the fair share is the schedule's maximum, and
    # both the family and the officer read it.
    assert await second.inner_text("#call-length") == "15 menit"
    await officer.wait_for_function(
        "document.querySelector('#call-length').textContent === '15 menit'")
    assert "bagi rata" in await officer.inner_text("#call-length-source")

    # The officer calls the next family to Bilik 1; the second family moves up without reload.
    row = officer.locator("#stations tr", has_text="Bilik 1")
    await row.locator("text=terhubung").wait_for()
    await row.locator("button", has_text="Panggil berikutnya").click()
    await first.wait_for_selector("text=Giliran Anda!")
    await station.wait_for_selector("text=Panggilan untuk antrean nomor 1: Sri Wahyuni")
    await second.wait_for_function("document.querySelector('#position').textContent === '1'")

    await officer.locator("#visits button", has_text="Mulai").click()
    family_stats = await wait_decoding(first)
    station_stats = await wait_decoding(station)
    assert family_stats["video"] >= 15 and station_stats["video"] >= 15
    await first.wait_for_function(
        "/^(14|15):\\d\\d$/.test(document.querySelector('#countdown').textContent)")
    await first.screenshot(path=str(SHOTS / "family-call.png"))
    await station.screenshot(path=str(SHOTS / "station-call.png"))
    await officer.screenshot(path=str(SHOTS / "console-live.png"))

    await officer.locator("#visits button", has_text="Akhiri").click()
    await first.wait_for_selector("text=Kunjungan diakhiri oleh petugas.")
    await station.wait_for_selector("text=Kunjungan diakhiri oleh petugas.")
    assert await first.evaluate("window.sambang.pc") is None
    await first.screenshot(path=str(SHOTS / "family-ended.png"))
    await s.client.close()
