"""Times as the facility reads them: its own zone, labelled WIB, WITA or WIT; one style of date
("Senin, 30-11-2026") and one of time of day ("08.30", as Indonesian writes it) on every page."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(tz: str) -> str:
    return ZONE_LABELS.get(tz, tz)


def day_start(day: date, tz: str) -> float:
    """The moment the facility's local day begins."""
    return datetime.combine(day, time(0), ZoneInfo(tz)).timestamp()


def local_day(epoch: float, tz: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(tz)).date().isoformat()


def local_time(epoch: float | None, tz: str, with_date: bool = False, lang: str = "id",
               seconds: bool = False) -> str:
    """A moment in the facility's zone, in the pages' one style: "08.30 WIB", with the date
    "Senin, 30-11-2026 08.30 WIB"; records that order events to the second add them (08.30.15)."""
    if epoch is None:
        return "—"
    moment = datetime.fromtimestamp(epoch, ZoneInfo(tz))
    text = hhmm(moment) + (f".{moment:%S}" if seconds else "")
    if with_date:
        text = f"{day_label(moment.date(), lang)} {text}"
    return f"{text} {zone_label(tz)}"


def hhmm(moment: datetime | time) -> str:
    """A time of day in the one style of every page: 08.30."""
    return f"{moment:%H.%M}"


def clock_time(moment: datetime, tz: str) -> str:
    """A moment as the facility reads it: "08.30 WIB" (a naive one is already its local time)."""
    local = moment if moment.tzinfo is None else moment.astimezone(ZoneInfo(tz))
    return f"{hhmm(local)} {zone_label(tz)}"


def day_label(day: date, lang: str) -> str:
    """A date in the one style of every page: "Senin, 30-11-2026"."""
    from server.i18n import translate
    from signaling.schedule import WEEKDAYS

    return f"{translate('day_' + WEEKDAYS[day.weekday()], lang)}, {day:%d-%m-%Y}"


def session_label(row: dict[str, Any], lang: str) -> str:
    """The session a visit request is for, as people read it: "Kamis, 26-11-2026 · Pagi"."""
    from server.i18n import translate

    if not row.get("day"):
        return translate("today_queue", lang)
    label = day_label(date.fromisoformat(row["day"]), lang)
    return f"{label} · {row['session_name']}" if row.get("session_name") else label
