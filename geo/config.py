"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Display time zone: all times are stored as UTC and shown in the district's local time.
LOCAL_TZ = "Asia/Shanghai"


def data_dir() -> Path:
    """Where the embedded database and uploads live (``GRIDGOV_DATA_DIR``, default ``./data``)."""
    return Path(os.environ.get("GRIDGOV_DATA_DIR", "data")).resolve()


def database_url() -> str:
    """``DATABASE_URL`` if set (``postgresql+psycopg://…`` for PostGIS), else the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'gridgov.db'}"


@dataclass(frozen=True)
class AssignmentSettings:
    """Tolerances for placing a case in a grid, in metres."""

    snap_m: float = 30.0  # outside every grid but this close to one: snapped to it (and flagged)
    boundary_m: float = 5.0  # this close to a grid edge: flagged "near boundary" for a supervisor to confirm
    building_m: float = 20.0  # no footprint contains the point: the nearest building this close

    @classmethod
    def from_env(cls) -> AssignmentSettings:
        return cls(
            snap_m=float(os.environ.get("GRIDGOV_SNAP_M", cls.snap_m)),
            boundary_m=float(os.environ.get("GRIDGOV_BOUNDARY_M", cls.boundary_m)),
            building_m=float(os.environ.get("GRIDGOV_BUILDING_M", cls.building_m)),
        )
