"""Every text a template or a script asks for exists in both languages: a missing key would show
its bare name ("choose_session") to a family."""

from __future__ import annotations

import re
from pathlib import Path

from server.i18n import CATALOG, SCRIPT_KEYS

WEB = Path(__file__).resolve().parents[2] / "web"


def test_every_key_a_template_uses_is_in_the_catalog() -> None:
    used: set[str] = set()
    for template in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", template.read_text()))
    # A key ending in "_" is a prefix joined to a value ("rel_" + relation): not checkable here.
    missing = sorted(k for k in used if k not in CATALOG and not k.endswith("_"))
    assert used and missing == []


def test_every_script_key_is_in_the_catalog() -> None:
    assert [k for k in SCRIPT_KEYS if k not in CATALOG] == []


def test_both_languages_fill_the_same_blanks() -> None:
    for key, (indonesian, english) in CATALOG.items():
        assert indonesian and english, key
        assert set(re.findall(r"{(\w+)}", indonesian)) == set(re.findall(r"{(\w+)}", english)), key


def test_every_value_a_page_joins_to_a_prefix_has_its_text() -> None:
    from server.http.auth import ROLES
    from server.http.registration_desk import REJECT_REASONS
    from server.i18n import RELATIONS
    from signaling.schedule import WEEKDAYS

    families = {
        "role_": ROLES, "rel_": RELATIONS, "day_": WEEKDAYS,
        "reason_": (*REJECT_REASONS, "banned"),
        "rq_": ("pending", "approved", "rejected", "withdrawn"),
    }
    missing = [prefix + value for prefix, values in families.items() for value in values
               if prefix + value not in CATALOG]
    assert missing == []
