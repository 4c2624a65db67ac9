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
from server.keys import ENGINE, HUBS
from tests.conftest import PASSWORD, AppMaker, Sambang

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 360, "height": 740}
PORTRAIT = {"width": 390, "height": 844}  # a common Android phone, held upright
LANDSCAPE = {"width": 844, "height": 390}
KIOSK = {"width": 1024, "height": 700}
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

    # The officer compares the inmate at Bilik 1 with the register (the demo checks identity
    # before a call), then starts it.
    await officer.locator("#identity button", has_text="Identitas cocok").click()
    await officer.locator("#visits button:not([disabled])", has_text="Mulai").click()
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


async def read_countdown(page: Page, selector: str = "#countdown") -> int:
    """The time left as the person reads it on the page, in seconds."""
    text = await page.inner_text(selector)
    minutes, seconds = text.strip().split(":")
    return int(minutes) * 60 + int(seconds)


async def assert_in_step(s: Sambang, visit_id: int, *pages: Page) -> None:
    """Each page's countdown reads the server's time left (its clock, which the test moves),
    give or take a second: the server is asked just before and just after the page is read."""
    visit = s.app[HUBS][1].state.visits[visit_id].visit
    for page in pages:
        before = visit.seconds_left(s.clock())
        shown = await read_countdown(page)
        after = visit.seconds_left(s.clock())
        assert after - 1 <= shown <= before + 1, (
            f"{page.url} reads {shown} s, the server has {after:.1f}..{before:.1f} s")


async def wait_countdown(page: Page, low: int, high: int) -> None:
    """Until the page's countdown reads between `low` and `high` seconds."""
    await page.wait_for_function(
        """([low, high]) => {
             const m = /^(\\d+):(\\d\\d)$/.exec(document.querySelector('#countdown').textContent);
             if (!m) return false;
             const left = 60 * Number(m[1]) + Number(m[2]);
             return left >= low && left <= high;
           }""", arg=[low, high])


async def test_call_screen_counts_down_by_the_server_clock(make_sambang: AppMaker,
                                                         browser: Browser) -> None:
    """The countdown on the family's phone and on the kiosk runs, and follows the server's time
    left through a jump of the server's clock, a reload of both pages and the last minute."""
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    csrf = await s.login()
    await s.post("/api/call-length", {"minutes": 10}, csrf)
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()

    station = await (await browser.new_context(viewport=KIOSK)).new_page()
    await station.goto(f"{base}/s/{station_token}")
    await station.wait_for_selector("text=Menunggu panggilan")
    context = await browser.new_context(viewport=PORTRAIT, is_mobile=True, has_touch=True)
    # The family's phone is set seven minutes fast: the countdown must not care.
    await context.add_init_script("Date.now = (now => () => now() + 7 * 60 * 1000)(Date.now);")
    family = await context.new_page()
    await family.goto(f"{base}/t/{token}")
    await family.wait_for_function("document.querySelector('#position').textContent === '1'")

    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    assert status == 201, visit
    visit_id = int(visit["visit_id"])
    await family.wait_for_selector("text=Giliran Anda!")
    await s.confirm_identity(visit_id, csrf)
    status, _ = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True}, csrf)
    assert status == 200
    await wait_decoding(family)
    await wait_decoding(station)

    # 1. The call has just started: ten minutes, less the seconds the pictures took to come.
    await assert_in_step(s, visit_id, family, station)
    # 2. A few seconds on, with no message in between: each page counted down by itself.
    await asyncio.sleep(3)
    await assert_in_step(s, visit_id, family, station)
    await family.screenshot(path=str(SHOTS / "call-family-portrait.png"))
    await station.screenshot(path=str(SHOTS / "call-station.png"))
    await family.set_viewport_size(LANDSCAPE)
    await family.wait_for_timeout(500)
    await family.screenshot(path=str(SHOTS / "call-family-landscape.png"))
    await family.set_viewport_size(PORTRAIT)

    # 3. The server's clock jumps to 1:40 before the end (as the test clock can): both pages
    # follow.
    visit = s.app[HUBS][1].state.visits[visit_id].visit
    s.clock.offset += visit.seconds_left(s.clock()) - 100
    for page in (family, station):
        await wait_countdown(page, 61, 100)
    await assert_in_step(s, visit_id, family, station)

    # 4. Both pages reloaded: they pick up the same time left, not the call's full length.
    await family.reload()
    await station.reload()
    for page in (family, station):
        await wait_countdown(page, 61, 100)
    await assert_in_step(s, visit_id, family, station)

    # 5. The last minute: the warning and the countdown say the same thing. The visit is read
    # again: the pages' rejoin after the reload may have replaced the hub's record of it.
    visit = s.app[HUBS][1].state.visits[visit_id].visit
    s.clock.offset += visit.seconds_left(s.clock()) - 45
    # The warning shows for ten seconds on both at once: both are read from the jump on.
    shown: set[str] = set()
    deadline = time.monotonic() + 30
    while len(shown) < 2:
        for name, page in (("family", family), ("station", station)):
            box = await page.evaluate(
                "(() => { const b = document.getElementById('warning');"
                " return b.hidden ? '' : b.textContent; })()")
            if box == "Sisa waktu 1 menit.":
                shown.add(name)
        assert time.monotonic() < deadline, f"the one-minute warning was shown only on {shown}"
        await asyncio.sleep(0.25)
    for page in (family, station):
        await wait_countdown(page, 1, 60)
    await assert_in_step(s, visit_id, family, station)
    await family.screenshot(path=str(SHOTS / "call-family-last-minute.png"))
    await station.screenshot(path=str(SHOTS / "call-station-last-minute.png"))

    # The time runs out; the finished ticket's page, opened again, says so from the first paint.
    s.clock.offset += 60
    await family.wait_for_selector("text=Waktu kunjungan habis.")
    await station.wait_for_selector("text=Waktu kunjungan habis.")
    first_paint = await (await browser.new_context(
        viewport=PORTRAIT, java_script_enabled=False)).new_page()
    await first_paint.goto(f"{base}/t/{token}")
    text = await first_paint.inner_text("main")
    assert "Kunjungan selesai. Terima kasih." in text
    assert "Menunggu giliran" not in text and "Biarkan halaman ini" not in text
    assert not await first_paint.is_visible("#check-btn")
    await family.reload()
    await family.wait_for_selector("text=Kunjungan selesai. Terima kasih.")
    assert not await family.is_visible("#check-btn")
    await family.screenshot(path=str(SHOTS / "family-done-reloaded.png"))
    await s.client.close()


async def test_family_controls_and_leaving_the_call(make_sambang: AppMaker) -> None:
    """On the phone: mute, camera off, the other camera, and leaving with a confirmation; the
    officer is told, the visit goes on for the kiosk and the family can come back in."""
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    # A phone has a front and a back camera: two fake ones here.
    args = [a.replace("--use-fake-device-for-media-stream",
                      "--use-fake-device-for-media-stream=device-count=3") for a in CHROMIUM_ARGS]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=args)
        officer = await staff_page(browser, base, "petugas", "/console")
        station = await (await browser.new_context(viewport=KIOSK)).new_page()
        await station.goto(f"{base}/s/{station_token}")
        context = await browser.new_context(viewport=PORTRAIT, is_mobile=True, has_touch=True)
        family = await context.new_page()
        await family.goto(f"{base}/t/{token}")
        await family.wait_for_function(
            "document.querySelector('#position').textContent === '1'")
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201, visit
        visit_id = int(visit["visit_id"])
        await s.confirm_identity(visit_id, csrf)
        status, _ = await s.post(f"/api/visits/{visit_id}/start", {"inmate_confirmed": True},
                                 csrf)
        assert status == 200
        await wait_decoding(family)
        await wait_decoding(station)

        await family.click("text=Matikan suara saya")
        await family.wait_for_selector("text=Suara Anda mati")
        assert await family.evaluate(
            "sambang.localStream.getAudioTracks().every(t => !t.enabled)")
        await family.click("text=Matikan kamera")
        await family.wait_for_selector("text=Kamera Anda mati")
        await family.screenshot(path=str(SHOTS / "call-family-muted.png"))
        await family.click("text=Nyalakan suara saya")
        await family.click("text=Nyalakan kamera")
        assert await family.evaluate("sambang.localStream.getTracks().every(t => t.enabled)")
        assert not await family.is_visible("text=Suara Anda mati")

        # The other camera goes out in the same call. Chromium's second fake camera gives depth
        # (Y16) frames that no encoder takes; its third is a colour camera, as a phone's back one.
        label = "(sambang.localStream.getVideoTracks()[0] || {}).label"
        sending = "sambang.pc.getSenders().map(x => x.track && x.track.label).join()"
        for camera in ("fake_device_1", "fake_device_2"):
            await family.click("text=Ganti kamera")
            await family.wait_for_function(f"{label} === {camera!r}")
            assert camera in await family.evaluate(sending)
        assert not await family.is_visible("text=Kamera yang lain tidak bisa dibuka.")
        decoded = (await wait_decoding(station))["video"]
        await wait_decoding(station, frames=decoded + 15)

        # Leaving asks first; "no" keeps the call.
        await family.click("text=Keluar")
        await family.wait_for_selector("text=Keluar dari panggilan?")
        await family.screenshot(path=str(SHOTS / "call-family-leave-confirm.png"))
        await family.click("text=Tidak, lanjutkan")
        assert await family.is_visible("#remote") and await family.evaluate("!!sambang.pc")
        await family.click("text=Keluar")
        await family.click("text=Ya, keluar")
        await family.wait_for_selector("text=Anda sudah keluar dari panggilan")
        assert await family.evaluate("window.sambang.pc") is None
        await officer.wait_for_selector("text=Koneksi keluarga terputus pada Bilik 1")
        # The kiosk says why the family's picture stopped instead of freezing on it.
        await station.wait_for_selector("text=Menunggu gambar dan suara…")
        await station.screenshot(path=str(SHOTS / "call-station-family-left.png"))
        await read_countdown(family, "#left .countdown")  # the time left is still shown
        await family.screenshot(path=str(SHOTS / "call-family-left.png"))

        await family.click("text=Masuk lagi ke panggilan")
        await wait_decoding(family)
        await station.wait_for_selector("#remote-wait", state="hidden")
        await browser.close()
    await s.client.close()
