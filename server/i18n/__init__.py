"""Interface text: Bahasa Indonesia by default, English on request (?lang=en, kept in a cookie).

The catalogue is split by the pages that use it; keys are unique across the parts (checked at
import, so a key added twice fails at once instead of one wording silently hiding the other).
"""

from __future__ import annotations

from aiohttp import web

from server.i18n import admin, call, common, console, family, notices, public, records, verification

LANGS = ("id", "en")
COOKIE = "lang"


def _merged() -> dict[str, tuple[str, str]]:
    catalog: dict[str, tuple[str, str]] = {}
    for part in (common, call, console, family, verification, admin, notices, public, records):
        repeated = catalog.keys() & part.TEXT.keys()
        if repeated:
            raise RuntimeError(f"text keys defined twice: {sorted(repeated)}")
        catalog.update(part.TEXT)
    return catalog


CATALOG: dict[str, tuple[str, str]] = _merged()

RELATIONS = ("parent", "child", "spouse", "sibling", "other", "lawyer")

# Strings the page scripts need, sent once inside the page.
SCRIPT_KEYS = (
    "state_waiting", "state_called", "state_live", "state_done", "state_no_show", "warn_60",
    "state_cancelled",
    "warn_10", "ended_title", "ended_completed", "ended_ended_early", "ended_cancelled",
    "reconnecting", "check_ok", "check_fail", "minutes", "station_idle", "station_called",
    "present", "absent", "skipped", "online", "offline", "idle", "leg_lost", "side_family",
    "side_station", "call_next", "start", "extend", "end", "cancel", "none", "connecting",
    "vs_called", "vs_live", "ts_called", "ts_done", "ts_no_show", "busy", "soon",
    "wall_empty", "listen", "stop_listening", "end_reason", "quality", "leg_lost_short",
    "legal_visit", "time_left", "rel_parent", "rel_child", "rel_spouse", "rel_sibling",
    "rel_other", "rel_lawyer", "record", "recording_now", "flag", "flag_reason", "complain",
    "cl_fair_share", "cl_officer", "cl_default", "fair_share_is", "call_length_yours",
    "unserved", "mic_off", "mic_on", "cam_off", "cam_on", "flip_failed", "no_devices",
    "ended_connection_lost", "ended_interrupted", "vs_paused",
    "audio_only", "with_video", "audio_only_on",
    "cause_inmate_unavailable", "cause_station_fault", "cause_other", "back_in_queue",
    "ended_no_show", "ended_family_request", "cancel_inmate_unavailable",
    "cancel_station_fault", "cancel_family_absent", "makeup_badge", "first_badge",
    "refuse_makeup", "refuse_makeup_reason",
)


def translate(key: str, lang: str, **values: object) -> str:
    # A field error shown on a page ("err_x") reads as the API's message for "x" unless the
    # page has a wording of its own.
    pair = CATALOG.get(key) or CATALOG.get(key.removeprefix("err_"))
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def request_lang(request: web.Request) -> str:
    asked = request.query.get("lang") or request.cookies.get(COOKIE)
    return asked if asked in LANGS else "id"


def script_strings(lang: str) -> dict[str, str]:
    return {k: translate(k, lang) for k in SCRIPT_KEYS}
