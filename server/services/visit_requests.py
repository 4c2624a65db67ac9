"""Asking for a visit: the visitor names the inmate (registration number, or full name and block
where the facility allows it), picks one of the sessions the schedule opens for that inmate, and
a request follows; approved at once when the pair was checked before.

The inmate register is never listed: a wrong number, a wrong name and an inmate of another
facility all get the same answer (the handler counts each miss towards the look-up rate limit).

An officer's approval (or the automatic one of a pair checked before) turns a pending request
into a ticket for its session, unless the inmate's week has filled up meanwhile.

The rules take the application's parts and plain values, never a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import tables as db
from server.db import visitors as reg
from server.db.facility_rows import Facility
from server.errors import ApiError
from server.i18n import translate
from server.keys import CLOCK, ENGINE, FACILITIES, SECRET
from server.secret import request_ticket_token
from server.services import approvals, facilities
from server.services.approvals import Approval
from server.services.audit import AuditEvent
from server.services.facilities import schedule_of
from server.services.hubs import hub_runs, tickets_changed
from server.services.inmate_register import inmate_groups
from server.services.notify import notify_request
from server.timefmt import day_start, local_day, zone_label
from signaling.schedule import (
    WEEKDAYS,
    Schedule,
    Slot,
    find_slot,
    no_slot_reason,
    open_slots,
    week_start,
)

TODAY_QUEUE = "today"  # the only choice at a facility that has no schedule yet
HORIZON_DAYS = 14


@dataclass(frozen=True)
class InmateRef:
    """How the visitor named the inmate."""

    reg_number: str = ""
    full_name: str = ""
    block: str = ""


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


async def find_inmate(engine: AsyncEngine, facility: Facility,
                      ref: InmateRef) -> dict[str, Any] | None:
    if ref.reg_number:
        return await reg.inmate_by_reg_number(engine, facility.id, ref.reg_number)
    if not (facility.ask_by_name and ref.full_name and ref.block):
        return None
    query = select(db.inmates).where(db.inmates.c.facility_id == facility.id,
                                     db.inmates.c.status == "active")
    async with engine.connect() as conn:
        rows = [dict(r._mapping) for r in (await conn.execute(query)).all()]
    # Exact name and block, ignoring case and spacing; two inmates of one name in one block
    # cannot be told apart this way, so the visitor is asked for the number instead.
    matches = [r for r in rows if _plain(r["full_name"]) == _plain(ref.full_name)
               and _plain(r["block"]) == _plain(ref.block)]
    return matches[0] if len(matches) == 1 else None


def local_now(app: web.Application, facility: Facility) -> datetime:
    return datetime.fromtimestamp(app[CLOCK](), ZoneInfo(facility.timezone))


@dataclass(frozen=True)
class Choice:
    """What the visitor may ask for: the inmate they named and the sessions open to them
    (`schedule` None: a facility without a schedule, today's queue only). `refused` names why
    none is open, when a schedule offers none."""

    facility: Facility
    inmate: dict[str, Any]
    schedule: Schedule | None
    slots: list[Slot]
    refused: str | None


async def choice_for(app: web.Application, visitor: dict[str, Any], ref: InmateRef) -> Choice:
    """The inmate named by `ref` (ApiError inmate_unknown when there is none) and the sessions
    this visitor may ask for."""
    facility = await facilities.known(app[ENGINE], app[FACILITIES], visitor["facility_id"])
    inmate = await find_inmate(app[ENGINE], facility, ref)
    if inmate is None:
        raise ApiError("inmate_unknown", 404)
    schedule = schedule_of(facility)
    if schedule is None:
        return Choice(facility, inmate, None, [], None)
    now = local_now(app, facility)
    # From the Monday of this week, so visits earlier this week count towards its limit.
    booked = await reg.booked_weeks(app[ENGINE], inmate["id"], week_start(now.date()),
                                    now.date() + timedelta(days=HORIZON_DAYS), visitor["id"])
    slots = open_slots(schedule, inmate_groups(inmate), now, booked, HORIZON_DAYS)
    refused = None if slots else no_slot_reason(schedule, now.date(), booked)
    return Choice(facility, inmate, schedule, slots, refused)


def slot_view(slot: Slot, facility: Facility, lang: str, today: date) -> dict[str, str]:
    day_name = translate(f"day_{WEEKDAYS[slot.day.weekday()]}", lang)
    when = translate("today", lang) if slot.day == today else day_name
    label = (f"{when}, {slot.day.strftime('%d-%m-%Y')} · {slot.session.name} · "
             f"{slot.session.start:%H.%M}–{slot.session.end:%H.%M} {zone_label(facility.timezone)}")
    return {"key": slot.key, "day": slot.day.isoformat(), "session": slot.session.name,
            "start": f"{slot.session.start:%H:%M}", "end": f"{slot.session.end:%H:%M}",
            "label": label}


async def ask_for_inmate(app: web.Application, visitor: dict[str, Any], ref: InmateRef,
                         slot_key: str) -> tuple[int, str]:
    """A visit request of `visitor` for the inmate named by `ref` in the session `slot_key`:
    pending, or approved at once when the pair was checked before. ApiError when the inmate is
    unknown, the visitor banned, or the session not open to them (the error says which)."""
    engine = app[ENGINE]
    choice = await choice_for(app, visitor, ref)
    facility, inmate = choice.facility, choice.inmate
    now = app[CLOCK]()
    if await reg.active_ban(engine, visitor["id"], inmate["id"], now) is not None:
        raise ApiError("banned", 403)
    today = local_now(app, facility).date()
    if await reg.pending_request_for(engine, visitor["id"], inmate["id"], today.isoformat(),
                                     day_start(today, facility.timezone)):
        raise ApiError("request_pending", 409)  # one at a time: the officer answers it first
    day, session_name = None, None
    if choice.refused is not None:
        raise ApiError(choice.refused, 409)
    if choice.schedule is not None:
        slot = find_slot(choice.slots, slot_key)
        if slot is None:
            raise ApiError("slot_required", 422, field="slot")
        day, session_name = slot.day.isoformat(), slot.session.name
    request_id = await reg.create_request(
        engine, facility_id=facility.id, visitor_id=visitor["id"], inmate_id=inmate["id"],
        state="pending", created_at=now, day=day, session_name=session_name)
    if await reg.pair_approved(engine, visitor["id"], inmate["id"]):
        # Checked once before: the next request needs no new check (unless the week filled up
        # meanwhile: then an officer decides).
        try:
            await approve_request(app, request_id, "auto")
            return request_id, "approved"
        except ApiError as exc:
            if exc.code != "weekly_limit":
                raise
    await notify_request(app, request_id)
    return request_id, "pending"


async def slots_of_ref(app: web.Application, visitor: dict[str, Any],
                       ref: InmateRef, lang: str) -> list[dict[str, str]]:
    """The sessions this visitor may ask for the inmate named by `ref`, for a form's choice."""
    choice = await choice_for(app, visitor, ref)
    today = local_now(app, choice.facility).date()
    if choice.schedule is None:
        return [{"key": TODAY_QUEUE, "day": today.isoformat(), "session": "", "start": "",
                 "end": "", "label": translate("today_queue", lang)}]
    if choice.refused is not None:
        raise ApiError(choice.refused, 409)
    return [slot_view(s, choice.facility, lang, today) for s in choice.slots]


async def approve_request(app: web.Application, request_id: int, decided_by: str,
                          event: AuditEvent | None = None) -> str:
    """Approve a pending request: a ticket for the session's day follows (it joins the queue
    when that session's queue opens), committed in one transaction with `event` (None: an
    automatic approval, no event); returns its token."""
    engine = app[ENGINE]
    row = await reg.visit_request(engine, request_id)
    if row is None:
        raise ApiError("request_unknown", 404)
    facility = await facilities.known(engine, app[FACILITIES], row["facility_id"])
    visitor = await reg.visitor(engine, row["visitor_id"])
    assert visitor is not None
    now = app[CLOCK]()
    if await reg.active_ban(engine, visitor["id"], row["inmate_id"], now) is not None:
        raise ApiError("banned", 403)
    # A facility whose hub runs nowhere yet: 503 now. (Not forwarded to the hub's node: a
    # family's request that is approved at once was written here already.)
    if not hub_runs(app, facility.id):
        raise ApiError("facility_not_ready", 503)
    today = local_day(now, facility.timezone)
    day = row["day"] or today
    if day < today:  # its session has passed: the officer rejects it instead
        raise ApiError("request_expired", 409)
    if row["state"] != "pending":
        raise ApiError("request_decided", 409)
    schedule = schedule_of(facility)
    # The request and the inmate are locked, the week counted and the ticket written in one
    # transaction with the event (server/services/approvals.py): once, whichever node does it.
    approval = Approval(
        request_id=request_id, facility_id=facility.id, visitor_id=visitor["id"],
        visitor_name=visitor["full_name"], relation=visitor["relation"],
        inmate_id=row["inmate_id"], day=day, session_name=row["session_name"],
        dated=bool(row["day"]),
        visits_per_week=schedule.visits_per_week if schedule is not None else None,
        decided_by=decided_by, now=now, token=request_ticket_token(app[SECRET], request_id))
    await approvals.approve(engine, approval, event)
    if day == today:  # into the queue now if its session's queue is open, else when it opens
        await tickets_changed(app, facility.id)
    await notify_request(app, request_id)
    return approval.token
