"""Inmate photos: the admin uploads them (one inmate, or a ZIP named by registration number);
staff of the inmate's own facility read them, checked at every request like a KTP. A refused
upload names its field ("foto", "zip") and stores nothing."""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from server.errors import ApiError, InvalidField
from server.http.auth import STAFF_ROLES, require_staff
from server.http.models import admin as m
from server.http.models.operation import operation
from server.http.models.reading import path_id
from server.http.request_audit import audit
from server.i18n import request_lang, translate
from server.keys import CONFIG, ENGINE
from server.services import inmate_photos as photos
from server.services.uploads import MAX_BYTES, UploadError

ADMINS = frozenset({"admin"})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/admin/inmates/{inmate_id:\\d+}/photo", upload_photo)
    app.router.add_post("/api/admin/inmates/photos", upload_zip)
    app.router.add_get("/api/inmates/{inmate_id:\\d+}/photo", photo_file)


def photo_url(inmate_id: int) -> str:
    return f"/api/inmates/{inmate_id}/photo"


async def _read_part(request: web.Request, field: str, limit: int) -> tuple[bytes, str | None]:
    """The one file part named `field`, at most `limit` bytes; refused naming the field."""
    if request.content_type != "multipart/form-data":
        raise InvalidField(field, "missing")
    found: tuple[bytes, str | None] | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name != field or found is not None:
                await part.release()
                continue
            data = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise InvalidField(field, "file_too_large", limit=f"{limit // 2**20} MB")
            found = bytes(data), part.headers.get("Content-Type")
    except (HttpProcessingError, ValueError):  # a malformed part header or boundary
        raise ApiError("bad_json", 400) from None
    if found is None or not found[0]:
        raise InvalidField(field, "missing")
    return found


@operation("admin", "Set an inmate's photo (multipart, part \"foto\": JPEG or PNG up to 2 MB, "
           "re-encoded); 422 naming the field when it is not one", body=m.PhotoForm,
           body_type="multipart/form-data", reply=m.PhotoStored)
async def upload_photo(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    inmate_id = path_id(request, "inmate_id")
    numbers = await photos.register_numbers(request.app[ENGINE], staff.facility_id)
    if inmate_id not in numbers.values():
        raise ApiError("inmate_unknown", 404)
    data, declared = await _read_part(request, "foto", MAX_BYTES)
    try:
        cleaned, kind = await photos.clean_photo_off_loop(data, declared)
    except UploadError as exc:
        raise InvalidField("foto", "photo_type" if exc.code == "upload_type"
                           else "file_too_large", limit="2 MB") from None
    await audit(request, "inmate.photo", f"inmate:{inmate_id}", staff=staff)
    await photos.store_photos(request.app[ENGINE], request.app[CONFIG].data_dir,
                              [photos.Photo(inmate_id, cleaned, kind)])
    return web.json_response({"inmate_id": inmate_id, "photo": photo_url(inmate_id)})


@operation("admin", "Set many inmates' photos from a ZIP (multipart, part \"zip\", up to "
           "50 MB) whose entries are named <reg_number>.jpg/.jpeg/.png; 422 with every refused "
           "entry and nothing stored", body=m.PhotoZipForm, body_type="multipart/form-data",
           reply=m.PhotosImport)
async def upload_zip(request: web.Request) -> web.Response:
    staff = await require_staff(request, ADMINS)
    data, _ = await _read_part(request, "zip", photos.MAX_ZIP_BYTES)
    register = await photos.register_numbers(request.app[ENGINE], staff.facility_id)
    found, rejected = await photos.read_zip_off_loop(data, register)
    lang = request_lang(request)
    report = [{"entry": r.entry, "reason": translate(f"photo_{r.code}", lang, **dict(r.values))}
              for r in rejected]
    if rejected:
        return web.json_response({"applied": False, "stored": 0, "rejected": report},
                                 status=422)
    await audit(request, "inmate.photos", f"facility:{staff.facility_id}",
                f"{len(found)} photos", staff)
    stored = await photos.store_photos(request.app[ENGINE], request.app[CONFIG].data_dir, found)
    return web.json_response({"applied": True, "stored": stored, "rejected": []})


@operation("admin", "An inmate's photo, to staff of the inmate's facility only",
           reply_type="image/jpeg")
async def photo_file(request: web.Request) -> web.StreamResponse:
    staff = await require_staff(request, STAFF_ROLES)
    found = await photos.inmate_photo(request.app[ENGINE], staff.facility_id,
                                      path_id(request, "inmate_id"))
    if found is None:
        raise ApiError("not_found", 404)
    name, kind = found
    path = request.app[CONFIG].data_dir / photos.FOLDER / name
    if not path.is_file():
        raise ApiError("not_found", 404)
    # Private to this person's session: never kept by a shared cache or the browser's disk.
    response = web.FileResponse(path, headers={"Cache-Control": "no-store",
                                               "Content-Disposition": "inline"})
    response.content_type = kind
    return response
