"""Every page a family meets, in every state, read in headless Chromium on a phone held upright
(390x844): the facility's page, registering (with its mistakes), coming back, asking for a
visit, the queue room waiting, called, in the call, having left it, ended, reloaded; a call
cancelled by the facility, a no-show, a refused make-up; complaints; pages that do not exist or
refuse a request. The test fails on English words a family would read, and on dates and times
written in more than one style. Screenshots land in SAMBANG_SCREENSHOTS (test-artifacts)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.async_api import Browser, Page

from server.keys import ENGINE
from server.services.hubs import queue_makeup
from server.services.makeup import grant
from tests.conftest import AppMaker, Sambang
from tests.e2e.test_browser_visit import PORTRAIT, SHOTS, browser

pytestmark = pytest.mark.browser
__all__ = ["browser"]

# Words of an English interface, as whole words; none of them is Indonesian. ("email", "video"
# and "No." for nomor are at home in Indonesian and are not listed.)
ENGLISH = frozenset("""
the and your you please choose chosen file files waiting wait cancel cancelled submit error
found method allowed visit visits queue position minutes seconds time left leave mute unmute
camera microphone loading connecting reconnecting check join start end ended thank thanks
welcome register registered request requested approved rejected pending station inmate officer
back next today tomorrow session sessions not yes required invalid page continue send answer
complaint tracking number name address phone open close closed switch turn
""".split())
WORD = re.compile(r"[A-Za-z]+")
ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
COLON_TIME = re.compile(r"\b\d\d:\d\d\b")

READ_ALL = """() => {
  // What a person reads: the rendered text, the title, placeholders and labels for screen
  // readers; the language switch ("English") is the one English word meant to be there.
  const bits = [document.title, document.body.innerText.replace(/\\bEnglish\\b/g, "")];
  document.querySelectorAll("[placeholder],[aria-label],[title]").forEach(el => {
    ["placeholder", "aria-label", "title"].forEach(a => {
      if (el.getAttribute(a)) bits.push(el.getAttribute(a));
    });
  });
  return bits.join("\\n");
}"""


async def read(page: Page, state: str) -> str:
    """The page's text as the family reads it, after a screenshot; fails on English words and
    on a second date or time style."""
    await page.screenshot(path=str(SHOTS / f"words-{state}.png"), full_page=True)
    text: str = await page.evaluate(READ_ALL)
    english = sorted({w for w in WORD.findall(text) if w.lower() in ENGLISH})
    assert not english, f"{state}: English on the page: {english}\n{text}"
    assert not ISO_DATE.search(text), f"{state}: a date not written as 30-11-2026:\n{text}"
    # A countdown (15:00 left, alone on its line) is a length, not a time of day.
    clock_free = re.sub(r"(?m)^(\s*|.*Sisa waktu\s+)\d{1,3}:\d\d\s*$", r"\1", text)
    assert not COLON_TIME.search(clock_free), f"{state}: a time not written as 08.30:\n{text}"
    assert await page.evaluate("document.documentElement.lang") == "id", state
    return text


def ktp_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (180, 160, 120)).save(out, "JPEG")
    return out.getvalue()


async def phone(browser: Browser) -> Page:
    context = await browser.new_context(viewport=PORTRAIT, is_mobile=True, has_touch=True,
                                        locale="en-US")  # the phone's own language: English
    return await context.new_page()


async def register(page: Page, base: str) -> str:
    await page.goto(f"{base}/f/demo")
    await read(page, "facility")
    await page.click("text=Daftar")
    await read(page, "register-form")
    # The browser's own picker is out of sight: its "Choose File" would be English.
    box = await page.locator("input[name=ktp]").bounding_box()
    assert box is not None and box["width"] <= 2
    await page.click("form button[type=submit]")
    text = await read(page, "register-mistakes")
    assert "Wajib diisi" in text
    await page.fill("input[name=full_name]", "Sri Wahyuni")
    await page.fill("input[name=nik]", "3374015208900003")
    await page.select_option("select[name=relation]", "spouse")
    await page.fill("input[name=phone]", "0812-3456-7890")
    await page.fill("input[name=address]", "Jl. Melati 3, Semarang")
    await page.set_input_files("input[name=ktp]", files=[
        {"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": ktp_photo()}])
    assert await page.inner_text("#file-name") == "ktp.jpg"
    await read(page, "register-filled")
    await page.check("input[name=consent]")
    await page.click("form button[type=submit]")
    await page.wait_for_url(re.compile(r".*/v/.*"))
    await read(page, "visitor")
    return page.url


async def ask(page: Page, reg_number: str, option: int) -> None:
    await page.fill("input[name=reg_number]", reg_number)
    await page.click("form[action$='/minta'] button[type=submit]")
    await page.wait_for_selector("select[name=slot]")
    await read(page, "visitor-sessions")
    values = await page.eval_on_selector_all("select[name=slot] option",
                                             "os => os.map(o => o.value)")
    await page.select_option("select[name=slot]", values[option])
    await page.click("form[action$='/minta'] button[type=submit]")
    await page.wait_for_selector("text=menunggu verifikasi")


async def approve_all(s: Sambang) -> None:
    s.client.session.cookie_jar.clear()
    csrf = await s.login("pendaftaran")
    pending = (await (await s.client.get("/api/requests")).json())["requests"]
    for row in pending:
        status, body = await s.post(f"/api/requests/{row['id']}/approve", {}, csrf)
        assert status == 200, body


async def test_every_family_page_reads_in_indonesian(make_sambang: AppMaker,
                                                     browser: Browser) -> None:
    s = await make_sambang()
    base = str(s.client.make_url("/")).rstrip("/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = await phone(browser)
    visitor = await register(page, base)

    # Two requests: today's morning session, and a session on a later day.
    await ask(page, "B.I-001/2026", 0)
    await read(page, "visitor-pending")
    await ask(page, "B.II-014/2026", 2)
    await approve_all(s)
    await page.goto(visitor)
    text = await read(page, "visitor-approved")
    assert text.count("disetujui") == 2
    links = await page.eval_on_selector_all("a.button[href*='/t/']", "as => as.map(a => a.href)")
    today_link, later_link = links[1], links[0]  # newest first
    await page.goto(later_link)
    await read(page, "ticket-later-day")
    await page.goto(f"{base}/f/demo/masuk")
    await read(page, "return-form")

    # The queue room, waiting, with the camera check.
    await page.goto(today_link)
    await page.wait_for_function("document.querySelector('#position').textContent === '1'")
    await page.click("#check-btn")
    await page.wait_for_selector("text=Kamera dan mikrofon siap.")
    await read(page, "queue-waiting")

    s.client.session.cookie_jar.clear()
    csrf = await s.login("petugas")
    station_id, _ = await s.station_token()
    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    assert status == 201, visit
    await page.wait_for_selector("text=Giliran Anda!")
    text = await read(page, "queue-called")
    assert "Periksa kamera" in text and "Posisi" not in text
    status, _ = await s.post(f"/api/visits/{visit['visit_id']}/start",
                             {"inmate_confirmed": True}, csrf)
    await page.wait_for_selector("#call:not([hidden])")
    await read(page, "call-live")
    await page.click("#leave-btn")
    await read(page, "call-leave-question")
    await page.click("#leave-yes")
    await read(page, "call-left")
    await s.post(f"/api/visits/{visit['visit_id']}/end", {"reason": "officer"}, csrf)
    await page.wait_for_selector("#ended:not([hidden])")
    text = await read(page, "call-ended")
    await page.reload()
    text = await read(page, "done-reloaded")
    # Finished: no queue hint, no camera check, and never "waiting" first.
    assert "Kunjungan selesai" in text and "Menunggu giliran" not in text
    assert "Biarkan halaman ini tetap terbuka" not in text and "Periksa kamera" not in text

    # A desk ticket: its call cancelled by the facility, then a no-show.
    _, token = await s.issue_ticket(csrf, name="Budi Hartono")
    await page.goto(f"{base}/t/{token}")
    await page.wait_for_selector("text=Menunggu giliran")
    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    await page.wait_for_selector("text=Giliran Anda!")
    await s.post(f"/api/visits/{visit['visit_id']}/end", {"reason": "station_fault"}, csrf)
    await page.wait_for_selector("text=Ada gangguan di bilik kunjungan")
    await read(page, "cancelled-back-in-queue")
    await page.reload()
    await read(page, "cancelled-back-in-queue-reloaded")
    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    await page.wait_for_selector("text=Giliran Anda!")
    await s.post(f"/api/visits/{visit['visit_id']}/end", {"reason": "family_absent"}, csrf)
    await page.wait_for_selector("#ended:not([hidden])")
    await read(page, "no-show")
    await page.reload()
    assert "tidak hadir" in await read(page, "no-show-reloaded")

    # A make-up for a visit that was cut short, refused by the officer with a reason.
    _, token = await s.issue_ticket(csrf, name="Dewi Lestari")
    await page.goto(f"{base}/t/{token}")
    await page.wait_for_selector("text=Menunggu giliran")
    status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
    await s.post(f"/api/visits/{visit['visit_id']}/start", {"inmate_confirmed": True}, csrf)
    await s.post(f"/api/visits/{visit['visit_id']}/end", {"reason": "officer"}, csrf)
    made = await grant(s.app[ENGINE], visit_id=visit["visit_id"], seconds=300,
                       reason="connection_lost", by="system", now=s.clock())
    assert made is not None
    await queue_makeup(s.app, made)
    await page.goto(f"{base}/t/{token}")
    assert "kunjungan pengganti 5 menit" in await read(page, "makeup-waiting")
    await s.post(f"/api/tickets/{made}/refuse-makeup",
                 {"reason": "sudah diganti kunjungan tatap muka"}, csrf)
    await page.wait_for_selector("text=Kunjungan pengganti tidak diberikan")
    await read(page, "makeup-refused")

    # Complaints, and pages that are not there or refuse what was asked.
    await page.goto(f"{base}/f/demo/pengaduan")
    await read(page, "complaint-form")
    await page.fill("textarea[name=body]", "Suara panggilan terputus-putus sejak awal.")
    await page.click("form button[type=submit]")
    await page.wait_for_selector(".tracking")
    await read(page, "complaint-status")
    for name, path in (("bad-ticket", "/t/tidak-ada"), ("not-found", "/tidak-ada"),
                       ("bad-facility", "/f/tidak-ada")):
        await page.goto(f"{base}{path}")
        await read(page, name)
    refused = await s.client.put("/f/demo")
    await page.set_content(await refused.text())
    assert "tidak menerima permintaan" in await read(page, "method-refused")
    await page.context.close()
