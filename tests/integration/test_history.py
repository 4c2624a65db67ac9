"""Visit history: filters that narrow it, a clear error for a malformed one, and each visit's
timeline (who called, started, extended and ended it, and the warnings)."""

from __future__ import annotations

from tests.conftest import Sambang
from tests.peers import Peer


async def _visit(s: Sambang, csrf: str, name: str, extend: bool) -> int:
    _, token = await s.issue_ticket(csrf, name)
    station_id, _ = await s.station_token()
    family = await Peer(s.client, f"/ws/ticket/{token}").open()
    try:
        await family.wait_for("queue")
        status, visit = await s.post("/api/visits", {"station_id": station_id}, csrf)
        assert status == 201
        visit_id = int(visit["visit_id"])
        await s.confirm_identity(visit_id, csrf)
        await s.post(f"/api/visits/{visit_id}/start",
                     {"inmate_confirmed": True, "allotted_seconds": 600}, csrf)
        if extend:
            s.clock.offset += 545
            await family.wait_for("warning", seconds_left=60)
            await s.post(f"/api/visits/{visit_id}/extend", {"seconds": 120}, csrf)
        await s.post(f"/api/visits/{visit_id}/end", {"reason": "cukup"}, csrf)
        await family.wait_for("ended")
        return visit_id
    finally:
        await family.close()


async def test_filters_and_timeline(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    first = await _visit(s, csrf, "Sri Wahyuni", extend=True)
    second = await _visit(s, csrf, "Budi Hartono", extend=False)

    async def ids(query: str) -> list[int]:
        resp = await s.client.get(f"/api/visits?{query}")
        assert resp.status == 200, await resp.text()
        return [v["id"] for v in (await resp.json())["visits"]]

    assert await ids("") == [second, first]
    assert await ids("visitor=wahyu") == [first]
    assert await ids("inmate=B.I-001") == [second, first]
    assert await ids("outcome=ended_early") == [second, first]
    assert await ids("outcome=completed") == []
    assert await ids("from=2001-01-01&to=2001-01-31") == []
    resp = await s.client.get("/api/visits?from=kemarin")
    error = (await resp.json())["error"]
    assert resp.status == 422 and error["field"] == "from" and error["code"] == "invalid"
    assert error["message"] == "Isian tidak valid: from (harus berupa tanggal TTTT-BB-HH)."

    record = await (await s.client.get(f"/api/visits/{first}")).json()
    kinds = [(e["kind"], e["actor"]) for e in record["timeline"]]
    assert kinds == [("registered", "Sri Wahyuni"), ("called", "petugas"),
                     ("identity_confirmed", "Petugas Kunjungan (petugas)"),
                     ("started", "petugas"), ("warning", "system"), ("extended", "petugas"),
                     ("ended", "petugas")]
    assert record["timeline"][-1]["detail"] == "ended_early: cukup"
    page = await (await s.client.get(f"/visits/{first}?lang=id")).text()
    assert "diperpanjang" in page and "peringatan waktu" in page and "cukup" in page
    page = await (await s.client.get("/records?visitor=Budi")).text()
    assert "Budi Hartono" in page and "Sri Wahyuni" not in page
    page = await (await s.client.get("/records?from=bukan-tanggal")).text()
    assert "Isian tidak valid: from (harus berupa tanggal TTTT-BB-HH)." in page


async def test_reports_for_supervisors_with_csv(sambang: Sambang) -> None:
    s = sambang
    csrf = await s.login()
    await _visit(s, csrf, "Sri Wahyuni", extend=False)
    assert (await s.client.get("/api/reports")).status == 403
    s.client.session.cookie_jar.clear()
    await s.login("karupam")
    report = await (await s.client.get("/api/reports?period=week")).json()
    total = [r for r in report["rows"] if r["kind"] == "total"][0]
    assert total["visits"] == 1 and total["ended_early"] == 1
    assert len(report["per_day"]) == 7 and sum(n for _, n in report["per_day"]) == 1
    resp = await s.client.get("/api/reports.csv?period=month")
    assert resp.status == 200 and resp.content_type == "text/csv"
    lines = (await resp.text()).splitlines()
    assert lines[0].startswith("kind,group,visits") and any("Bilik 1" in ln for ln in lines)
    assert (await s.client.get("/api/reports?period=year")).status == 422
    page = await (await s.client.get("/reports?period=week&lang=id")).text()
    assert "<svg" in page and "Kunjungan per hari" in page and "Bilik 1" in page
    log = await (await s.client.get("/api/audit")).json()
    assert "report.export" in [e["action"] for e in log["events"]]
