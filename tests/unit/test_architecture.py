"""The layering contract (dashboard → loaders → geo) and a lint floor, as tests that fail when broken."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "geo": {"streamlit", "folium", "streamlit_folium", "loaders", "dashboard"},
    "loaders": {"streamlit", "folium", "streamlit_folium", "dashboard"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_no_page_or_module_names_a_cdn():
    cdn = ("cdn.jsdelivr", "cdnjs.", "unpkg.com", "googleapis.com", "bootstrapcdn", "code.jquery")
    hits = [str(p.relative_to(ROOT)) for pkg in ("geo", "loaders", "dashboard") for p in (ROOT / pkg).rglob("*.py")
            if any(c in p.read_text(encoding="utf-8") for c in cdn)]
    assert hits == []


def test_the_code_has_no_pyflakes_errors():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format",
                             "concise", "geo", "loaders", "dashboard", "tests", "bench"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
