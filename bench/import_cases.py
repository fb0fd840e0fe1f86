"""Bench: import 100,000 hotline rows (read, validate, place, commit) into the sample district on SQLite.

    .venv/bin/python bench/import_cases.py [--rows 100000]

Loads the sample district into a temporary SQLite file, writes a GBK CSV of ``--rows`` rows shaped like a
12345 export (Chinese headers, mixed time formats, GCJ-02 coordinates as the mini-program sends them; 10 %
address-only rows, 1 % unmatched addresses, 1 % bad rows), then times ``run_case_import``: a preview (apply=False),
the import (apply=True, from reading the file to the commit) and a second import of the same file (which must
add nothing).
Prints ``import_cases rows=N s=…`` (target: ≤ 30 s for 100,000 rows).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.db.database import Database
from geo.db.models import Building, Case, Category
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.datums import wgs84_to_gcj02
from geo.domain.vocabulary import Role
from loaders.case_import import CaseImportSpec, run_case_import
from samples.load import SAMPLE_END, load_sample

STATUS_WORDS = ["待受理", "已受理", "处理中", "已办结", "已办结", "已办结"]
SOURCES = ["12345热线", "小程序", "网格员", "视频巡查"]


def export_frame(db: Database, rows: int, seed: int = 6) -> pd.DataFrame:
    """A 12345-style export over the sample district (what the bench imports)."""
    rng = np.random.default_rng(seed)
    with db.session() as session:
        buildings = session.execute(select(Building.address, Building.geom)).all()
        names = session.scalars(select(Category.name)).all()
    addresses = np.array([a for a, _ in buildings], dtype=object)
    inside = shapely.point_on_surface([g for _, g in buildings])
    pick = rng.integers(0, len(buildings), rows)
    lon = shapely.get_x(inside)[pick] + rng.normal(0, 0.0004, rows)
    lat = shapely.get_y(inside)[pick] + rng.normal(0, 0.0004, rows)
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    reported = pd.Timestamp("2026-03-01 08:00") + pd.to_timedelta(rng.integers(0, 200 * 24 * 60, rows), unit="m")
    status = np.array(STATUS_WORDS, dtype=object)[rng.integers(0, len(STATUS_WORDS), rows)]
    closed = (reported + pd.to_timedelta(rng.integers(30, 5 * 24 * 60, rows), unit="m")).strftime("%Y/%m/%d %H:%M")
    frame = pd.DataFrame({
        "工单编号": [f"12345-{i:08d}" for i in range(rows)],
        "诉求内容": np.array(["楼道堆放杂物，影响通行", "路灯不亮", "井盖缺失，存在安全隐患", "油烟扰民"])[
            rng.integers(0, 4, rows)],
        "事件类型": np.array(names, dtype=object)[rng.integers(0, len(names), rows)],
        "来源": np.array(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), rows)],
        "联系人": "张先生", "联系电话": "13800000000",
        "经度": np.round(gcj_lon, 7).astype(str), "纬度": np.round(gcj_lat, 7).astype(str),
        "事发地址": addresses[pick] + "2单元",
        "受理时间": np.where(rng.random(rows) < 0.5, reported.strftime("%Y-%m-%d %H:%M:%S"),
                         reported.strftime("%Y年%-m月%-d日 %H时%M分")),
        "状态": status,
        "办结时间": np.where(status == "已办结", closed, ""),
    })
    address_only = rng.random(rows) < 0.10
    frame.loc[address_only, ["经度", "纬度"]] = ""
    unmatched = address_only & (rng.random(rows) < 0.10)
    frame.loc[unmatched, "事发地址"] = "不存在路" + pd.Series(np.arange(rows))[unmatched].astype(str) + "号"
    bad = rng.random(rows) < 0.01
    frame.loc[bad, "受理时间"] = "昨天下午"
    return frame


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        load_sample(db, SAMPLE_END)
        db.dispose()  # closing the last connection checkpoints the loader's WAL, as on a database in service
        db = Database(db.url)
        path = Path(tmp) / "hotline_12345.csv"
        export_frame(db, args.rows).to_csv(path, index=False, encoding="gbk")
        actor = Actor("bench", Role.ANALYST)
        spec = CaseImportSpec(datum="gcj02")
        start = time.perf_counter()
        preview = run_case_import(path, spec, db, apply=False, actor=actor)
        preview_s = time.perf_counter() - start
        start = time.perf_counter()
        report = run_case_import(path, spec, db, apply=True, actor=actor)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = run_case_import(path, spec, db, apply=True, actor=actor)
        again_s = time.perf_counter() - start
        with db.session() as session:
            total = session.scalar(select(func.count()).select_from(Case))
        db.dispose()
    assert report.status == "applied", report.to_json()[:2000]
    assert preview.status == "ok", preview.to_json()[:2000]
    print(f"import_cases rows={args.rows} s={seconds:.1f}")
    print(f"  preview (dry run, nothing written) s={preview_s:.1f}")
    print(f"  {report.status}: " + ", ".join(f"{k}={v}" for k, v in report.counts.items()))
    print(f"  re-import of the same file: {again.status}, imported={again.counts.get('imported')}, "
          f"already_imported={again.counts.get('already_imported')}, s={again_s:.1f}; cases in db={total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
