"""The structure, as tests that fail when broken: the layers (dashboard, api, cli → loaders → geo), the four
rooms of geo (usecases → read → db → domain, with config beside them), who may define tables, that read/
never writes, that loaders never touch tables, no CDN, and a lint floor."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("geo", "loaders", "dashboard", "cli", "samples", "api")
UI = {"streamlit", "folium", "streamlit_folium"}
FORBIDDEN = {
    "geo": UI | {"loaders", "dashboard", "cli", "samples", "api", "fastapi", "starlette"},
    "loaders": UI | {"dashboard", "cli", "samples", "api", "fastapi", "starlette"},
    "samples": UI | {"dashboard", "cli", "api"},
    "dashboard": {"cli", "api"},
    "api": {"dashboard", "cli", "streamlit", "folium", "streamlit_folium"},
}
#: Which rooms of geo each room may import (geo.config counts as the room "config").
ROOMS = {
    "domain": {"domain"},
    "config": {"domain"},
    "db": {"domain", "config", "db"},
    "read": {"domain", "config", "db", "read"},
    "usecases": {"domain", "config", "db", "read", "usecases"},
}
#: Session methods and SQL statements that change data.
WRITES = {"add", "add_all", "delete", "merge", "flush", "commit", "bulk_save_objects", "bulk_insert_mappings"}
WRITE_STATEMENTS = {"insert", "update", "delete"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by ``path`` (``from x import y`` also yields ``x.y``)."""
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _room(module: str) -> str:
    """The room of a geo module name: domain, db, read, usecases, config (or "geo" for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in (*ROOMS, "config") else "geo"


def _room_of(path: Path) -> str:
    return _room(".".join(path.relative_to(ROOT).with_suffix("").parts))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package):
    offenders = {str(p.relative_to(ROOT)): sorted({n.split(".")[0] for n in _imports(p)} & FORBIDDEN[package])
                 for p in _modules(package)}
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_every_geo_module_lives_in_a_room():
    loose = [p.name for p in (ROOT / "geo").glob("*.py") if p.name not in ("__init__.py", "config.py")]
    assert loose == []


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_geo_rooms_import_only_downward(room):
    offenders = {}
    for path in _modules("geo"):
        if _room_of(path) == room:
            bad = sorted(m for m in _imports(path) if m.split(".")[0] == "geo" and _room(m) not in ROOMS[room] | {room})
            if bad:
                offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


def test_the_domain_never_imports_sqlalchemy_nor_reads_the_environment():
    offenders = [str(p.relative_to(ROOT)) for p in _modules("geo/domain")
                 if any(m.split(".")[0] == "sqlalchemy" for m in _imports(p)) or "os.environ" in p.read_text()
                 or "getenv" in p.read_text()]
    assert offenders == []


def test_only_geo_config_reads_the_environment():
    offenders = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in _modules(pkg)
                 if p != ROOT / "geo" / "config.py" and ("os.environ" in p.read_text() or "getenv(" in p.read_text())]
    assert offenders == []


def test_only_geo_db_models_defines_tables():
    definers = []
    for pkg in PACKAGES:
        for path in _modules(pkg):
            for node in ast.walk(_tree(path)):
                if isinstance(node, ast.ClassDef) and any(
                        isinstance(s, ast.Assign) and any(getattr(t, "id", "") == "__tablename__" for t in s.targets)
                        for s in node.body):
                    definers.append(str(path.relative_to(ROOT)))
                    break
    assert set(definers) == {"geo/db/models.py"}


def _writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("session", "s", "connection")):
            found.append(f"{node.func.value.id}.{node.func.attr}()")
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            found += [f"import {a.name}" for a in node.names if a.name in WRITE_STATEMENTS]
    return found


@pytest.mark.parametrize("package", ["geo/read", "loaders"])
def test_readers_never_write(package):
    offenders = {str(p.relative_to(ROOT)): _writes(p) for p in _modules(package)}
    assert {f: w for f, w in offenders.items() if w} == {}


def test_loaders_never_touch_tables():
    offenders = [str(p.relative_to(ROOT)) for p in _modules("loaders")
                 if any(m.startswith("geo.db.models") for m in _imports(p)) or "__table__" in p.read_text()]
    assert offenders == []


def test_no_page_or_module_names_a_cdn():
    cdn = ("cdn.jsdelivr", "cdnjs.", "unpkg.com", "googleapis.com", "bootstrapcdn", "code.jquery")
    hits = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in _modules(pkg)
            if any(c in p.read_text(encoding="utf-8") for c in cdn)]
    assert hits == []


def test_the_code_has_no_pyflakes_errors():
    present = [p for p in (*PACKAGES, "tests", "bench") if (ROOT / p).is_dir()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format",
                             "concise", *present], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


#: Dashboard modules allowed to open sessions themselves: none.
OPENS_SESSIONS: set[str] = set()


def test_pages_never_open_sessions_they_read_through_database_read_and_act_through_use_cases():
    offenders = sorted(str(p.relative_to(ROOT)) for p in _modules("dashboard")
                       if str(p.relative_to(ROOT)) not in OPENS_SESSIONS
                       and any(call in p.read_text() for call in (".session()", ".transaction()", "sessionmaker")))
    assert offenders == []


def test_every_setting_geo_config_reads_is_documented_in_the_readme():
    import re

    settings = set(re.findall(r'"(GRIDGOV_[A-Z0-9_]+)"', (ROOT / "geo" / "config.py").read_text(encoding="utf-8")))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(s for s in settings if s not in readme) == []
