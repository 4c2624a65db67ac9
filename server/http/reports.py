"""Reports per day, week or month: visits held, minutes, waits, no-shows, visits ended early and
station utilisation, per station, per block and in total. The sums are pure functions of the
visit rows; the handlers around them read, render and export."""

from __future__ import annotations

import calendar
import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from server.db import ticket_rows, visit_rows
from server.db.visit_rows import VisitFilter
from server.errors import ApiError
from server.http.auth import SUPERVISOR_ROLES as SUPERVISORS
from server.http.auth import require_staff
from server.http.lookups import facility_of
from server.http.models import records as m
from server.http.models.operation import operation, reply
from server.http.models.reading import read_query
from server.http.pages import context, error_page, supervisor_or_refuse
from server.http.request_audit import audit
from server.i18n import request_lang, translate
from server.keys import CLOCK, ENGINE
from server.timefmt import day_start, local_day

PERIODS = ("day", "week", "month")


def period_days(period: str, anchor: date) -> list[date]:
    if period == "day":
        return [anchor]
    if period == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return [monday + timedelta(days=n) for n in range(7)]
    last = calendar.monthrange(anchor.year, anchor.month)[1]
    return [anchor.replace(day=n) for n in range(1, last + 1)]


def _working_span(visits: list[dict[str, Any]], day_of: dict[int, str]) -> float:
    """Seconds from each day's first call to its last end, summed over the days."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for v in visits:
        day = day_of[v["id"]]
        first[day] = min(first.get(day, v["called_at"]), v["called_at"])
        end = v["ended_at"] or v["called_at"]
        last[day] = max(last.get(day, end), end)
    return sum(last[d] - first[d] for d in first)


def summarise(visits: list[dict[str, Any]], no_show_blocks: list[str],
              day_of: dict[int, str]) -> list[m.ReportRow]:
    span = _working_span(visits, day_of)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for v in visits:
        groups[("total", "")].append(v)
        groups[("station", v["station_name"])].append(v)
        groups[("block", v["block"] or "-")].append(v)
    misses: dict[tuple[str, str], int] = defaultdict(int)
    for block in no_show_blocks:
        misses[("total", "")] += 1
        misses[("block", block or "-")] += 1
    for key in misses:
        groups.setdefault(key, [])
    rows = []
    for (kind, group), members in sorted(groups.items()):
        held = [v for v in members if v["started_at"] is not None]
        waits = [(v["called_at"] - v["ticket_created_at"]) / 60 for v in members]
        fetches = [(v["started_at"] - v["called_at"]) / 60 for v in held]
        live = sum(v["actual_seconds"] for v in held)
        rows.append(m.ReportRow(
            kind=kind, group=group, visits=len(held), minutes=round(live / 60, 1),
            avg_wait_minutes=round(sum(waits) / len(waits), 1) if waits else None,
            max_wait_minutes=round(max(waits), 1) if waits else None,
            no_shows=misses.get((kind, group), 0),
            ended_early=sum(1 for v in members if v["outcome"] == "ended_early"),
            lines_lost=sum(1 for v in members
                           if v["outcome"] in ("connection_lost", "interrupted")),
            paused_minutes=round(sum(v.get("paused_seconds") or 0 for v in held) / 60, 1),
            utilisation=round(live / span, 3) if kind == "station" and span > 0 else None,
            avg_call_to_start_minutes=round(sum(fetches) / len(fetches), 1) if fetches else None,
            max_call_to_start_minutes=round(max(fetches), 1) if fetches else None,
        ))
    return rows


def per_day(visits: list[dict[str, Any]], days: list[date],
            day_of: dict[int, str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for v in visits:
        if v["started_at"] is not None:
            counts[day_of[v["id"]]] += 1
    return [(d.isoformat(), counts.get(d.isoformat(), 0)) for d in days]


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/reports", reports_page)
    app.router.add_get("/api/reports", reports_json)
    app.router.add_get("/api/reports.csv", reports_csv)


async def _report(request: web.Request, facility_id: int) -> dict[str, Any]:
    facility = await facility_of(request, facility_id)
    query = read_query(request, m.ReportQuery)
    period = query.period
    anchor = query.date or date.fromisoformat(
        local_day(request.app[CLOCK](), facility.timezone))
    days = period_days(period, anchor)
    tz = facility.timezone
    where = VisitFilter(since=day_start(days[0], tz),
                        until=day_start(days[-1] + timedelta(days=1), tz))
    engine = request.app[ENGINE]
    visits = await visit_rows.visit_records(engine, facility.id, 100_000, where)
    day_of = {v["id"]: local_day(v["called_at"], tz) for v in visits}
    missed = await ticket_rows.no_show_tickets(engine, facility.id, [d.isoformat() for d in days])
    inmates = {i["id"]: i for i in await ticket_rows.inmates_for(engine, facility.id)}
    rows = summarise(visits, [inmates[t.inmate_id]["block"] for t in missed], day_of)
    return {"period": period, "date": anchor.isoformat(), "from": days[0].isoformat(),
            "to": days[-1].isoformat(), "rows": [r.model_dump() for r in rows],
            "per_day": per_day(visits, days, day_of)}


@operation("reports", "Report for a period (day, week, month) around a date", query=m.ReportQuery,
           reply=m.Report)
async def reports_json(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    return reply(m.Report, await _report(request, staff.facility_id))


@operation("reports", "The same report as CSV (the export is audited)", query=m.ReportQuery,
           reply_type="text/csv")
async def reports_csv(request: web.Request) -> web.Response:
    staff = await require_staff(request, SUPERVISORS)
    report = await _report(request, staff.facility_id)
    await audit(request, "report.export", f"{report['period']}:{report['date']}", staff=staff)
    out = io.StringIO()
    writer = csv.writer(out)
    fields = list(m.ReportRow.model_fields)
    writer.writerow(fields)
    for row in report["rows"]:
        writer.writerow(["" if row[f] is None else row[f] for f in fields])
    name = f"laporan-{report['period']}-{report['date']}.csv"
    return web.Response(text=out.getvalue(), content_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


async def reports_page(request: web.Request) -> web.Response:
    staff, csrf = await supervisor_or_refuse(request)
    lang = request_lang(request)
    facility = await facility_of(request, staff.facility_id)
    try:
        report = await _report(request, staff.facility_id)
    except ApiError as exc:
        return error_page(request, 422, translate("error_title", lang),
                          exc.message(lang))
    stations = [r for r in report["rows"] if r["kind"] == "station"]
    return aiohttp_jinja2.render_template("reports.html", request, context(
        request, staff=staff, csrf_token=csrf, facility=facility, report=report,
        total=next((r for r in report["rows"] if r["kind"] == "total"), None),
        stations=stations, blocks=[r for r in report["rows"] if r["kind"] == "block"],
        max_day=max([n for _, n in report["per_day"]] + [1]),
        max_minutes=max([r["minutes"] for r in stations] + [1]), periods=PERIODS))
