"""The TURN REST credentials: what coturn recomputes from its static-auth-secret."""

import pytest

from signaling.turn import (
    MARGIN_SECONDS,
    TurnSettings,
    TurnSettingsError,
    credentials,
    ice_servers,
    parse_urls,
    password,
    relay_url,
    username,
)

URLS = ("turn:turn.lapas.example:3478", "turns:turn.lapas.example:443?transport=tcp")


def test_password_is_base64_hmac_sha1_of_the_username() -> None:
    # The same as `printf %s 1700000000:visit-7 | openssl dgst -sha1 -hmac rahasia-coturn -binary
    # | base64`, which is what coturn computes.
    assert password("rahasia-coturn", "1700000000:visit-7") == "zoXqozgFJ2lNP0JvuU71x0lMm0Y="


def test_credentials_expire_after_the_deadline_and_a_margin() -> None:
    user, secret = credentials("rahasia-coturn", 42, valid_until=1_800_000_000.7)
    assert user == f"{1_800_000_000 + MARGIN_SECONDS}:visit-42"
    assert secret == password("rahasia-coturn", user)


def test_another_visit_or_another_secret_gives_another_password() -> None:
    mine = password("rahasia-coturn", username(1, 1_800_000_000))
    assert password("rahasia-coturn", username(2, 1_800_000_000)) != mine
    assert password("rahasia-lain", username(1, 1_800_000_000)) != mine
    assert password("rahasia-coturn", username(1, 1_800_000_060)) != mine


def test_ice_servers_carry_every_url_with_the_visits_credentials() -> None:
    settings = TurnSettings(URLS, "rahasia-coturn")
    servers = ice_servers(settings, 7, valid_until=1_700_000_000 - MARGIN_SECONDS)
    assert servers == [{"urls": list(URLS), "username": "1700000000:visit-7",
                        "credential": "zoXqozgFJ2lNP0JvuU71x0lMm0Y="}]


def test_no_turn_no_ice_servers_and_stun_needs_no_credential() -> None:
    assert ice_servers(TurnSettings(), 7, 1e9) == []
    stun = TurnSettings(("stun:stun.lapas.example:3478",))
    assert ice_servers(stun, 7, 1e9) == [{"urls": ["stun:stun.lapas.example:3478"]}]


def test_the_secret_is_never_printed() -> None:
    assert "rahasia-coturn" not in repr(TurnSettings(URLS, "rahasia-coturn"))


def test_settings_from_the_environment() -> None:
    settings = TurnSettings.from_mapping({
        "SAMBANG_TURN_URLS": " ,".join(URLS), "SAMBANG_TURN_SECRET": "rahasia-coturn"})
    assert settings == TurnSettings(URLS, "rahasia-coturn")
    assert TurnSettings.from_mapping({}) == TurnSettings()


@pytest.mark.parametrize("env, named", [
    ({"SAMBANG_TURN_URLS": "https://turn.example"}, "SAMBANG_TURN_URLS"),
    ({"SAMBANG_TURN_URLS": "turn:"}, "SAMBANG_TURN_URLS"),
    ({"SAMBANG_TURN_URLS": URLS[0]}, "SAMBANG_TURN_SECRET"),
    ({"SAMBANG_TURN_SECRET": "rahasia-coturn"}, "SAMBANG_TURN_URLS"),
])
def test_unusable_settings_name_the_setting(env: dict[str, str], named: str) -> None:
    with pytest.raises(TurnSettingsError, match=named):
        TurnSettings.from_mapping(env)


def test_the_relay_prefers_plain_udp_turn() -> None:
    assert relay_url(URLS) == URLS[0]
    assert relay_url(tuple(reversed(URLS))) == URLS[0]
    assert relay_url((URLS[1],)) == URLS[1]
    assert relay_url(("turn:a:3478?transport=tcp", URLS[1])) == "turn:a:3478?transport=tcp"
    assert relay_url(("stun:a:3478",)) is None
    assert parse_urls("") == ()
