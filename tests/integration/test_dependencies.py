"""What the code imports is what pyproject.toml declares, and nothing is declared for nothing: a
server installation must neither miss a module at run time nor carry a library nobody uses."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = {"server", "signaling", "media", "recordings", "web", "tests"}
# Declared but never imported, each for a reason that is not an import.
NOT_IMPORTED = {
    "aiosqlite": "SQLAlchemy loads it from the sqlite+aiosqlite:// database URL",
    "tzdata": "zoneinfo reads its data where the system has none",
}
# Imported only by what an extra installs.
EXTRA_ONLY = {"media/bench/report.py": "bench"}


def _name(requirement: str) -> str:
    bare = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return {m for m in found if m not in OWN and m not in sys.stdlib_module_names}


def _imported_distributions() -> dict[str, set[str]]:
    """Distribution name -> the files importing it."""
    owners = packages_distributions()
    used: dict[str, set[str]] = {}
    for package in ("server", "signaling", "media", "recordings", "web"):
        for path in (ROOT / package).rglob("*.py"):
            for module in _imports(path):
                assert module in owners, f"{path}: imports {module}; nothing installed has it"
                for dist in owners[module]:
                    used.setdefault(_name(dist), set()).add(str(path.relative_to(ROOT)))
    return used


def test_every_import_is_declared_and_every_declaration_is_used() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    extras = {extra: {_name(r) for r in reqs}
              for extra, reqs in project["optional-dependencies"].items()}
    used = _imported_distributions()

    undeclared = {}
    for dist, files in used.items():
        if dist in core:
            continue
        needing_core = {f for f in files if f not in EXTRA_ONLY}
        in_its_extra = all(dist in extras.get(EXTRA_ONLY[f], set())
                           for f in files if f in EXTRA_ONLY)
        if needing_core or not in_its_extra:
            undeclared[dist] = sorted(files)
    assert undeclared == {}

    unused = core - set(used) - set(NOT_IMPORTED)
    assert unused == set()
    assert set(NOT_IMPORTED) <= core  # a reason for something no longer declared is stale


def test_the_plotting_library_is_an_extra_not_a_server_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "matplotlib" not in {_name(r) for r in project["dependencies"]}
    assert "matplotlib" in {_name(r) for r in project["optional-dependencies"]["bench"]}
