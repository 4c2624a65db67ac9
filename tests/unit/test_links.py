"""Where links point: the configured public address first, the asking browser's host only when
none is configured."""

from __future__ import annotations

from server import links
from server.config import Config


def test_the_public_address_wins_over_the_request_host() -> None:
    config = Config(public_url="https://kunjungan.example/")
    assert links.link(config, links.queue_room("abc"), "http://10.0.0.5:8080") == (
        "https://kunjungan.example/t/abc")
    assert links.link(config, links.station("k")) == "https://kunjungan.example/s/k"


def test_without_a_public_address_the_request_host_then_the_listening_address() -> None:
    config = Config(host="0.0.0.0", port=9000)
    assert links.link(config, links.facility_page("demo"), "https://lapas.test") == (
        "https://lapas.test/f/demo")
    assert links.link(config, links.station("k")) == "http://0.0.0.0:9000/s/k"
