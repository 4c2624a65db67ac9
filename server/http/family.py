"""Families register once from a phone and ask for visits; their own page shows each request's
state and, once approved, the queue room link. Every field is checked on the server, with a
message per field in the page's language, and what the person typed is kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import segno
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from server import links
from server.db import visitors as reg
from server.db.facility_rows import Facility
from server.errors import ApiError
from server.http import csrf
from server.http.lookups import (
    count_towards_limit,
    facility_from_path,
    facility_of,
    inmate_misses_counted,
    rate_limit,
    site_link,
)
from server.http.pages import error_page, render_form
from server.i18n import RELATIONS, request_lang, translate
from server.keys import CLOCK, CONFIG, ENGINE, SECRET
from server.secret import approved_ticket_token
from server.services.uploads import UploadError, clean_off_loop, read_limited, store_upload
from server.services.visit_requests import InmateRef, ask_for_inmate, slots_of_ref
from server.services.visitor_checks import IdentityError, normalise_phone, parse_nik
from server.timefmt import local_day, session_label

TEXT_LIMITS = {"full_name": 200, "nik": 32, "relation": 16, "phone": 32, "email": 200,
               "address": 300, "csrf": 64, "consent": 8}


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/f/{code}/daftar", register_form)
    app.router.add_post("/f/{code}/daftar", register_submit)
    app.router.add_get("/f/{code}/masuk", return_form)
    app.router.add_post("/f/{code}/masuk", return_submit)
    app.router.add_get("/v/{token}", visitor_page)
    app.router.add_post("/v/{token}/minta", ask_for_visit)


async def register_form(request: web.Request) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        return error_page(request, 404, translate("facility_unknown", request_lang(request)), "")
    return render_form(request, "register.html", facility=facility, values={}, errors={},
                   relations=RELATIONS)


async def _read_form(request: web.Request) -> tuple[dict[str, str], dict[str, str], Any]:
    """Text fields, field errors so far, and the KTP (bytes, declared type) if it came; a
    body that does not parse as a form is a 400, not a 500."""
    try:
        return await _parse_form(request)
    except (HttpProcessingError, ValueError):  # a malformed part header or boundary
        raise ApiError("bad_json", 400) from None


async def _parse_form(request: web.Request) -> tuple[dict[str, str], dict[str, str], Any]:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    upload = None
    if request.content_type != "multipart/form-data":  # no file can have come
        form = await request.post()
        for name, limit in TEXT_LIMITS.items():
            values[name] = str(form.get(name, ""))[:limit].strip()
        return values, errors, None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.name == "ktp":
            try:
                data = await read_limited(part)
                # A browser sends the field empty when no file was chosen: that is a missing
                # file ("required"), not a file of the wrong kind.
                upload = (data, part.headers.get("Content-Type")) if data else None
            except UploadError as exc:
                errors["ktp"] = exc.code
                await part.release()
        elif part.name in TEXT_LIMITS:
            text = (await part.read(decode=True)).decode("utf-8", "replace")
            values[part.name] = text[: TEXT_LIMITS[part.name]].strip()
        else:
            await part.release()
    return values, errors, upload


async def register_visitor(
    request: web.Request, facility: Facility, values: dict[str, str],
    errors: dict[str, str], upload: tuple[bytes, str | None] | None,
) -> str:
    """Check every field and store the visitor; returns their link's token. `errors` collects a
    code per field; when it is not empty afterwards nothing was stored."""
    now = request.app[CLOCK]()
    if not values.get("full_name"):
        errors["full_name"] = "required"
    nik = None
    try:
        nik = parse_nik(values.get("nik", ""), _today(now, facility))
    except IdentityError as exc:
        errors["nik"] = exc.code
    if values.get("relation") not in RELATIONS:
        errors["relation"] = "required"
    phone = ""
    try:
        phone = normalise_phone(values.get("phone", ""))
    except IdentityError as exc:
        errors["phone"] = exc.code
    email = values.get("email", "")
    if email and ("@" not in email or " " in email):
        errors["email"] = "email_invalid"
    if not values.get("address"):
        errors["address"] = "required"
    if values.get("consent") != "yes":
        errors["consent"] = "consent_required"
    cleaned = None
    if upload is None and "ktp" not in errors:
        errors["ktp"] = "required"
    elif upload is not None:
        try:
            cleaned = await clean_off_loop(*upload)
        except UploadError as exc:
            errors["ktp"] = exc.code
    if errors or cleaned is None or nik is None:
        return ""
    # Only now, with everything valid, is anything stored.
    saved = store_upload(request.app[CONFIG].data_dir / "ktp", *cleaned)
    try:
        _, token = await reg.create_visitor(
            request.app[ENGINE], facility_id=facility.id, full_name=values["full_name"],
            nik=nik.number, relation=values["relation"], phone=phone, email=email,
            address=values["address"], ktp_file=saved.name, ktp_type=saved.kind,
            consent_at=now, created_at=now)
    except reg.AlreadyRegistered:
        (request.app[CONFIG].data_dir / "ktp" / saved.name).unlink(missing_ok=True)
        errors["nik"] = "nik_registered"
        return ""
    count_towards_limit(request, "register")
    return token


async def register_submit(request: web.Request) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        return error_page(request, 404, translate("facility_unknown", request_lang(request)), "")
    rate_limit(request, "register")
    values, errors, upload = await _read_form(request)
    if not csrf.form_token_ok(request, values.get("csrf", "")):
        errors["form"] = "csrf"
    token = await register_visitor(request, facility, values, errors, upload)
    if errors:
        return render_form(request, "register.html", 422, facility=facility, values=values,
                       errors=errors, relations=RELATIONS)
    raise web.HTTPSeeOther(f"/v/{token}")


def _today(now: float, facility: Facility) -> date:
    return date.fromisoformat(local_day(now, facility.timezone))


async def return_form(request: web.Request) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        return error_page(request, 404, translate("facility_unknown", request_lang(request)), "")
    return render_form(request, "return.html", facility=facility, values={}, errors={})


async def return_submit(request: web.Request) -> web.Response:
    facility = await facility_from_path(request)
    if facility is None:
        return error_page(request, 404, translate("facility_unknown", request_lang(request)), "")
    rate_limit(request, "lookup")
    form = await request.post()
    values = {k: str(form.get(k, ""))[:32].strip() for k in ("phone", "nik", "csrf")}
    errors: dict[str, str] = {}
    found = None
    if not csrf.form_token_ok(request, values["csrf"]):
        errors["form"] = "csrf"
    else:
        try:
            phone = normalise_phone(values["phone"])
            found = await reg.visitor_by_phone_and_nik(request.app[ENGINE], facility.id, phone,
                                                       values["nik"].replace(" ", ""))
        except IdentityError as exc:
            errors["phone"] = exc.code
        if found is None and not errors:
            errors["form"] = "visitor_unknown"
            count_towards_limit(request, "lookup")
    if found is None:
        return render_form(request, "return.html", 422, facility=facility, values=values,
                       errors=errors)
    token = await reg.new_visitor_token(request.app[ENGINE], found["id"])
    raise web.HTTPSeeOther(f"/v/{token}")


async def visitor_page(request: web.Request, errors: dict[str, str] | None = None,
                       values: dict[str, str] | None = None, status: int = 200,
                       slots: list[dict[str, str]] | None = None) -> web.Response:
    visitor = await reg.visitor_by_token(request.app[ENGINE], request.match_info["token"])
    lang = request_lang(request)
    if visitor is None:
        return error_page(request, 404, translate("bad_visitor_title", lang),
                          translate("bad_visitor", lang))
    facility = await facility_of(request, visitor["facility_id"])
    requests = await reg.requests_of_visitor(request.app[ENGINE], visitor["id"])
    for row in requests:
        token = approved_ticket_token(request.app[SECRET], row)
        if token is not None:
            row["link"] = site_link(request, links.queue_room(token))
            row["qr"] = segno.make(row["link"], error="m").svg_inline(scale=3)
        row["when"] = session_label(row, lang)
    return render_form(request, "visitor.html", status, facility=facility, visitor=visitor,
                   requests=requests, errors=errors or {}, values=values or {},
                   token=request.match_info["token"], slots=slots or [])


def inmate_ref(form: Any) -> InmateRef:
    return InmateRef(reg_number=str(form.get("reg_number", ""))[:64].strip(),
                     full_name=str(form.get("full_name", ""))[:200].strip(),
                     block=str(form.get("block", ""))[:64].strip())


async def ask_for_visit(request: web.Request) -> web.Response:
    """Two steps on one form: the inmate first, then (with the sessions shown) the session."""
    engine = request.app[ENGINE]
    visitor = await reg.visitor_by_token(engine, request.match_info["token"])
    if visitor is None:
        return await visitor_page(request)
    rate_limit(request, "lookup")
    form = await request.post()
    ref = inmate_ref(form)
    values = {"reg_number": ref.reg_number, "full_name": ref.full_name, "block": ref.block}
    field = "reg_number" if ref.reg_number or not ref.full_name else "full_name"
    if not csrf.form_token_ok(request, str(form.get("csrf", ""))):
        return await visitor_page(request, {"form": "csrf"}, values, 403)
    slot_key = str(form.get("slot", ""))[:40]
    lang = request_lang(request)
    try:
        with inmate_misses_counted(request):
            if not slot_key:
                slots = await slots_of_ref(request.app, visitor, ref, lang)
                return await visitor_page(request, values=values, slots=slots)
            await ask_for_inmate(request.app, visitor, ref, slot_key)
    except ApiError as exc:  # a field error on the page: the inmate, the session, or a ban
        status = 422 if exc.code == "inmate_unknown" else exc.status
        where = "slot" if exc.code == "slot_required" else field
        slots = []
        if exc.code == "slot_required":
            slots = await slots_of_ref(request.app, visitor, ref, lang)
        return await visitor_page(request, {where: exc.code}, values, status, slots)
    raise web.HTTPSeeOther(f"/v/{request.match_info['token']}")
