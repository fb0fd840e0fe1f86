"""Time to preview and to apply the sample's 435-grid survey shapefile (GBK, EPSG:4545) against the loaded
sample district (48,022 cases), on SQLite (default) or DATABASE_URL.

    python bench/import_layer.py            # loads the sample into a temporary SQLite first (~20 s)

Prints one line per figure; the preview is the median of 3 runs. Apply publishes a new layout version and
re-places every case (apply_regrid), in one transaction.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo.db.database import Database
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from loaders.layer_import import LayerSpec, MappingMemory, run_layer_import
from samples.load import SAMPLE_END, load_sample

SURVEY = REPO / "sample_data" / "grids_survey_office.zip"
ACTOR = Actor("bench", Role.ANALYST)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        db = Database(url)
        upgrade(db)
        load_sample(db, SAMPLE_END)
        memory = MappingMemory(Path(tmp) / "mappings.json")
        previews = []
        for _ in range(3):
            start = time.perf_counter()
            report = run_layer_import(SURVEY, LayerSpec("grids"), db, False, ACTOR, memory=memory)
            previews.append(time.perf_counter() - start)
        assert report.status == "ok" and report.counts["unchanged"] == 435, report.to_json()
        print(f"preview grids=435 cases=48022 dialect={db.dialect} median_s={statistics.median(previews):.2f} "
              f"runs={' '.join(f'{p:.2f}' for p in previews)} changes=0")
        start = time.perf_counter()
        applied = run_layer_import(SURVEY, LayerSpec("grids"), db, True, ACTOR, memory=memory)
        elapsed = time.perf_counter() - start
        assert applied.status == "applied", applied.to_json()
        print(f"apply grids=435 cases=48022 dialect={db.dialect} s={elapsed:.2f} "
              f"cases_moved={applied.extra['applied']['cases_moved']} (preview + new layout + apply_regrid)")
        db.dispose()


if __name__ == "__main__":
    main()
