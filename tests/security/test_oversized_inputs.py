"""Hostile and oversized uploads are refused in bounded time and memory (≤ 5 s, ≤ 500 MB peak).

Each import runs in a fresh Python process (as the upload page's server would), which reports its wall time
for the import call and its peak resident memory (VmHWM), interpreter and libraries included. Before loaders.limits, the million-
column CSV took 644 s and 9 GB, and the million-vertex polygon was accepted as "ok" after 42 s and 801 MB."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO

MAX_SECONDS, MAX_MB = 5.0, 500

CHILD = """
import json, sys, time
from pathlib import Path
from geo.db.database import Database
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from loaders.case_import import CaseImportSpec, run_case_import
from loaders.layer_import import LayerSpec, run_layer_import

def peak_mb():  # this process's own high-water mark (ru_maxrss would count the parent's memory it forked from)
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

path, url, actor = Path(sys.argv[1]), sys.argv[2], Actor("分析员", Role.ANALYST)
start = time.perf_counter()
if path.suffix in (".geojson", ".zip"):
    report = run_layer_import(path, LayerSpec(kind="grids"), Database(url), False, actor)
else:
    report = run_case_import(path, CaseImportSpec(), Database(url), False, actor)
print(json.dumps({"seconds": time.perf_counter() - start, "status": report.status,
                  "peak_mb": peak_mb(),
                  "errors": [p.message for p in report.errors]}, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def migrated_url(tmp_path_factory) -> str:
    """An empty, migrated database for the imports (they check the schema before reading the file)."""
    from geo.db.database import Database
    from geo.db.schema import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'empty.db'}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


def _import_in_a_process(path, url: str) -> dict:
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(path), url],
                              capture_output=True, text=True, timeout=60, cwd=REPO,
                              env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"importing {path.name} ran for more than 60 s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_refused_in_bounds(outcome: dict, phrase: str) -> None:
    assert outcome["status"] == "unusable" and phrase in " ".join(outcome["errors"]), outcome
    assert outcome["seconds"] <= MAX_SECONDS, outcome
    assert outcome["peak_mb"] <= MAX_MB, outcome


def test_a_csv_with_a_million_columns_is_refused_in_bounds(tmp_path, migrated_url):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n")
    _assert_refused_in_bounds(_import_in_a_process(path, migrated_url), "1,000,000 columns")


def test_a_single_10_mb_line_is_refused_in_bounds(tmp_path, migrated_url):
    path = tmp_path / "one_line.csv"
    path.write_text("工单" * 5_000_000, encoding="utf-8")  # 30 MB, no delimiter, no line break
    _assert_refused_in_bounds(_import_in_a_process(path, migrated_url), "line 1 of one_line.csv is longer than")


def test_a_polygon_with_a_million_vertices_is_refused_in_bounds(tmp_path, migrated_url):
    angle = np.linspace(0, 2 * np.pi, 1_000_000)
    x, y = 106.8 + 0.01 * np.cos(angle), 39.67 + 0.01 * np.sin(angle)
    ring = ",".join(map("[{:.7f},{:.7f}]".format, x, y))
    path = tmp_path / "detailed.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "G1"}, '
                    f'"geometry": {{"type": "Polygon", "coordinates": [[{ring}]]}}}}]}}')
    _assert_refused_in_bounds(_import_in_a_process(path, migrated_url), "per feature are accepted")


def test_a_zip_bomb_is_refused_in_bounds(tmp_path, migrated_url):
    import zipfile

    path = tmp_path / "grids.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("grids.geojson", b" " * (64 * 1024 * 1024))  # 64 MB of blanks in a 64 KB zip
    _assert_refused_in_bounds(_import_in_a_process(path, migrated_url), "zip bomb")


def test_a_workbook_with_a_hundred_thousand_columns_is_refused_in_bounds(tmp_path, migrated_url):
    import zipfile

    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" '
        f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="r1" '
        f'Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/'
        'relationships"><sheets><sheet name="工单" sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship '
        f'Id="r1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'
        + "".join(f'<row r="{r}">' + "".join(f"<c><v>{i}</v></c>" for i in range(100_000)) + "</row>"
                  for r in (1, 2)) + "</sheetData></worksheet>",
    }
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, xml)
    _assert_refused_in_bounds(_import_in_a_process(path, migrated_url), "100,000 columns")
