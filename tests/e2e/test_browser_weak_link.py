"""A family on a weak link (a namespace whose veth loses 10 % of packets at 300 kbit/s, 300 ms,
made by the test) keeps its call, and what Opus in-band FEC brings is measured in the same run:
the same call with and without it, reporting audio packets lost, audio concealed and seconds of
frozen video on both pages. Nothing is asserted about the figures (they are measurements); what
is asserted is what a user would notice: both pages hear and see each other through the link."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import AppMaker
from tests.coturn import free_port
from tests.e2e.test_browser_visit import CHROMIUM_ARGS, KIOSK, PORTRAIT, SHOTS, chromium_path
from tests.net_namespace import Namespace, namespace

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

MEASURE_SECONDS = 10

INBOUND = """async () => {
  const out = {audio: {}, video: {}};
  const pc = window.sambang && window.sambang.pc;
  if (!pc) return out;
  (await pc.getStats()).forEach(r => {
    if (r.type !== "inbound-rtp") return;
    if (r.kind === "audio") Object.assign(out.audio, {
      received: r.packetsReceived || 0, lost: r.packetsLost || 0,
      concealed: r.concealedSamples || 0, samples: r.totalSamplesReceived || 0,
      fec: r.fecPacketsReceived || 0});
    if (r.kind === "video") Object.assign(out.video, {
      frames: r.framesDecoded || 0, frozen: r.totalFreezesDuration || 0,
      height: r.frameHeight || 0});
  });
  return out;
}"""


async def inbound(page: Page) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = await page.evaluate(INBOUND)
    return result


async def hearing_and_seeing(page: Page, within: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        got = await inbound(page)
        if got["audio"].get("received", 0) > 50 and got["video"].get("frames", 0) > 10:
            return
        assert loop.time() < deadline, f"{page.url}: {got}"
        await asyncio.sleep(0.5)


def change(before: dict[str, dict[str, float]],
           after: dict[str, dict[str, float]]) -> dict[str, float]:
    a0, a1, v0, v1 = before["audio"], after["audio"], before["video"], after["video"]
    packets = a1["received"] - a0["received"] + a1["lost"] - a0["lost"]
    samples = max(1.0, a1["samples"] - a0["samples"])
    return {
        "audio_lost_pct": 100 * (a1["lost"] - a0["lost"]) / max(1.0, packets),
        "audio_concealed_pct": 100 * (a1["concealed"] - a0["concealed"]) / samples,
        "fec_packets": a1["fec"] - a0["fec"],
        "video_fps": (v1["frames"] - v0["frames"]) / MEASURE_SECONDS,
        "video_frozen_s": v1["frozen"] - v0["frozen"],
        "video_height": v1["height"],
    }


async def one_call(make_sambang: AppMaker, ns: Namespace, port: int, here: Browser,
                   away: Browser, fec: bool) -> dict[str, dict[str, float]]:
    s = await make_sambang(opus_fec=fec)
    # The family reaches the server at this machine's end of the veth, on a port fixed before
    # its browser started (which is told that this address may use the camera).
    site = web.TCPSite(s.client.server.runner, ns.host_ip, port, reuse_address=True)
    await site.start()
    csrf = await s.login()
    _, token = await s.issue_ticket(csrf)
    station_id, station_token = await s.station_token()
    station = await (await here.new_context(viewport=KIOSK)).new_page()
    family = await (await away.new_context(viewport=PORTRAIT, is_mobile=True)).new_page()
    try:
        await station.goto(str(s.client.make_url(f"/s/{station_token}")))
        await family.goto(f"http://{ns.host_ip}:{port}/t/{token}")
        await family.wait_for_function("document.querySelector('#position').textContent === '1'")
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201, visit
        await s.post(f"/api/visits/{visit['visit_id']}/start", {"inmate_confirmed": True}, csrf)
        await hearing_and_seeing(family)
        await hearing_and_seeing(station)
        answer: str = await family.evaluate("window.sambang.pc.remoteDescription.sdp")
        assert ("useinbandfec=1" in answer) is fec
        await asyncio.sleep(3)  # past the start, when the encoders are still finding the link
        before = {"family": await inbound(family), "station": await inbound(station)}
        await asyncio.sleep(MEASURE_SECONDS)
        after = {"family": await inbound(family), "station": await inbound(station)}
        await s.post(f"/api/visits/{visit['visit_id']}/end", {"reason": "ukur"}, csrf)
        return {side: change(before[side], after[side]) for side in before}
    finally:
        await family.context.close()
        await station.context.close()
        await site.stop()
        await s.client.close()


async def test_a_call_over_a_weak_link_with_and_without_opus_fec(
        make_sambang: AppMaker, tmp_path: Path) -> None:
    with namespace("weak") as ns:
        link = ns.weaken(loss_percent=10, kbit=300, delay_ms=300)
        port = free_port(ns.host_ip)
        async with async_playwright() as pw:
            here = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            away = await pw.chromium.launch(
                executable_path=str(ns.launcher(tmp_path, chromium_path())),
                args=[*CHROMIUM_ARGS, "--unsafely-treat-insecure-origin-as-secure="
                      f"http://{ns.host_ip}:{port}"])
            try:
                report: dict[str, Any] = {}
                for fec in (True, False):
                    report["with FEC" if fec else "without FEC"] = await one_call(
                        make_sambang, ns, port, here, away, fec)
            finally:
                await away.close()
                await here.close()
    lines = [f"weak link ({link}), {MEASURE_SECONDS} s measured per call:"]
    for run, sides in report.items():
        for side, figures in sides.items():
            lines.append(f"  {run:12} {side:8} received: " + ", ".join(
                f"{k} {v:.1f}" for k, v in figures.items()))
    print("\n" + "\n".join(lines))
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "weak-link.txt").write_text("\n".join(lines) + "\n")
