"""Times as the facility reads them: its own zone, labelled WIB, WITA or WIT."""

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


def local_time(epoch: float | None, tz: str, with_date: bool = False) -> str:
    if epoch is None:
        return "—"
    moment = datetime.fromtimestamp(epoch, ZoneInfo(tz))
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M")
    return f"{text} {zone_label(tz)}"


def session_label(row: dict[str, Any], lang: str) -> str:
    """The session a visit request is for, as people read it: "Kamis, 26-11-2026 · Pagi"."""
    from server.i18n import translate
    from signaling.schedule import WEEKDAYS

    if not row.get("day"):
        return translate("today_queue", lang)
    day = date.fromisoformat(row["day"])
    label = f"{translate('day_' + WEEKDAYS[day.weekday()], lang)}, {day:%d-%m-%Y}"
    return f"{label} · {row['session_name']}" if row.get("session_name") else label
