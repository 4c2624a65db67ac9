"""What a phone on 3G downloads: scripts and styles once a year under a versioned path, pages
gzip'd when the browser accepts it, posters drawn once per facility and what they show."""

from __future__ import annotations

import gzip
import re

from server.keys import POSTERS
from tests.conftest import Sambang


async def test_pages_link_versioned_static_files_cached_for_a_year(sambang: Sambang) -> None:
    page = await (await sambang.client.get("/login")).text()
    found = re.search(r'href="(/static/[0-9a-f]{12}/style\.css)"', page)
    assert found is not None, page
    resp = await sambang.client.get(found.group(1))
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.content_type == "text/css"
    assert "body" in await resp.text()

    # The plain path still works, revalidated each time rather than trusted for a year.
    plain = await sambang.client.get("/static/style.css")
    assert plain.status == 200 and plain.headers["Cache-Control"] == "no-cache"
    # An old version (a page from before a release) gets today's file, without the promise.
    old = await sambang.client.get("/static/000000000000/style.css")
    assert old.status == 200 and old.headers["Cache-Control"] == "no-cache"
    for missing in ("/static/000000000000/nothing.js", "/static/nothing.js",
                    "/static/000000000000/..%2Fserver%2Fsecret.py"):
        assert (await sambang.client.get(missing)).status == 404


async def test_html_and_scripts_are_gzipped_when_asked(sambang: Sambang) -> None:
    resp = await sambang.client.get("/login", headers={"Accept-Encoding": "gzip"},
                                    auto_decompress=False)
    assert resp.status == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    html = gzip.decompress(await resp.read()).decode()
    assert "csrf_token" in html

    plain = await sambang.client.get("/login", headers={"Accept-Encoding": "identity"},
                                     auto_decompress=False)
    assert "Content-Encoding" not in plain.headers
    assert "csrf_token" in await plain.text()

    script = await sambang.client.get("/static/family.js", headers={"Accept-Encoding": "gzip"},
                                      auto_decompress=False)
    assert script.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await script.read())

    poster = await sambang.client.get("/f/demo/poster.png", headers={"Accept-Encoding": "gzip"},
                                      auto_decompress=False)
    assert poster.status == 200 and "Content-Encoding" not in poster.headers


async def test_a_poster_is_drawn_once_until_what_it_shows_changes(sambang: Sambang) -> None:
    posters = sambang.app[POSTERS]
    first = await (await sambang.client.get("/f/demo/poster.png")).read()
    again = await (await sambang.client.get("/f/demo/poster.png")).read()
    assert first == again and first.startswith(b"\x89PNG")
    assert posters.drawn == 1
    english = await (await sambang.client.get("/f/demo/poster.png?lang=en")).read()
    assert english != first and posters.drawn == 2
    pdf = await (await sambang.client.get("/f/demo/poster.pdf")).read()
    assert pdf.startswith(b"%PDF") and posters.drawn == 3
    # Served from another address, the QR code points elsewhere: a new poster.
    other = await sambang.client.get("/f/demo/poster.png", headers={"Host": "lapas.example"})
    assert await other.read() != first and posters.drawn == 4
