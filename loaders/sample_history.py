"""Turn the sample's case and dispatch tables into database rows, and derive each case's event history from
its stage timestamps (so a supervisor opening a sample case sees a real timeline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.vocabulary import Role, Source, Status

TIME_COLUMNS = ["reported_at", "accepted_at", "whistled_at", "reported_in_at", "answered_at", "closed_at",
                "rated_at", "rejected_at", "deadline"]

#: (timestamp column, action, status reached, role acting), in the order the loop runs.
STAGES = [
    ("reported_at", "report", Status.REPORTED, None),
    ("accepted_at", "accept", Status.ACCEPTED, Role.SUPERVISOR),
    ("rejected_at", "reject", Status.REJECTED, Role.SUPERVISOR),
    ("whistled_at", "whistle", Status.WHISTLED, Role.SUPERVISOR),
    ("reported_in_at", "report_in", Status.REPORTED_IN, Role.DEPARTMENT),
    ("answered_at", "answer", Status.ANSWERED, Role.DEPARTMENT),
    ("closed_at", "close", Status.CLOSED, Role.SUPERVISOR),
    ("rated_at", "rate", Status.RATED, Role.RESIDENT),
]

_REPORTER_ROLE = {Source.GRID_MEMBER: Role.GRID_MEMBER, Source.RESIDENT_APP: Role.RESIDENT,
                  Source.HOTLINE: Role.SUPERVISOR, Source.VIDEO_PATROL: Role.SUPERVISOR, Source.DEPUTY: Role.RESIDENT}


def parse_times(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """ISO-8601 UTC strings (empty = not reached) → aware UTC timestamps (NaT)."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_datetime(out[column].replace("", None), utc=True, format="ISO8601")
    return out


def _nullable(series: pd.Series) -> list:
    return [None if pd.isna(v) else v.to_pydatetime() for v in series]


def _codes_to_ids(codes: pd.Series, lookup: dict[str, int], what: str) -> list:
    unknown = sorted(set(codes[codes != ""]) - set(lookup))
    if unknown:
        raise ValueError(f"unknown {what} code(s) in the sample: {unknown[:5]}")
    return [lookup.get(c) for c in codes]


def case_rows(cases: pd.DataFrame, grid_ids: np.ndarray, lookups: dict[str, dict[str, int]]) -> list[dict]:
    """Row dicts for ``cases`` with ids 1..N; ``grid_ids`` comes from the grid assignment (None = unassigned)."""
    cases = parse_times(cases, TIME_COLUMNS)
    lon = cases["lon"].astype(float).to_numpy()
    lat = cases["lat"].astype(float).to_numpy()
    columns = {
        "id": np.arange(1, len(cases) + 1).tolist(),
        "number": cases["number"].tolist(),
        "category_id": _codes_to_ids(cases["category_code"], lookups["category"], "category"),
        "building_id": _codes_to_ids(cases["building_code"], lookups["building"], "building"),
        "grid_id": [None if g is None or g < 0 else int(g) for g in grid_ids],
        "lon": lon.tolist(),
        "lat": lat.tolist(),
        "location": list(shapely.points(lon, lat)),
        "rework_count": cases["rework_count"].astype(int).tolist(),
        "rating": cases["rating"].replace("", None).tolist(),
        "tier": cases["tier"].replace("", None).tolist(),
        "version": [1] * len(cases),
    }
    for text in ("description", "source", "reporter_name", "reporter_phone", "address", "status", "reject_reason"):
        columns[text] = cases[text].tolist()
    for column in TIME_COLUMNS:
        columns[column] = _nullable(cases[column])
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def dispatch_rows(dispatches: pd.DataFrame, case_ids: dict[str, int], departments: dict[str, int]) -> list[dict]:
    frame = parse_times(dispatches, ["whistled_at", "reported_in_at", "answered_at"])
    return [
        {"case_id": case_ids[number], "department_id": departments[dept], "role": role,
         "whistled_at": w, "reported_in_at": r, "answered_at": a}
        for number, dept, role, w, r, a in zip(
            frame["case_number"], frame["department_code"], frame["role"], _nullable(frame["whistled_at"]),
            _nullable(frame["reported_in_at"]), _nullable(frame["answered_at"]))
    ]


def case_events(cases: pd.DataFrame) -> list[dict]:
    """One event per stage a case reached, in time order, each naming the status it moved from."""
    cases = parse_times(cases, TIME_COLUMNS).assign(case_id=np.arange(1, len(cases) + 1))
    parts = []
    for order, (column, action, status, role) in enumerate(STAGES):
        reached = cases[cases[column].notna()]
        parts.append(pd.DataFrame({
            "case_id": reached["case_id"], "at": reached[column], "order": order, "action": action,
            "to_status": str(status),
            "role": reached["source"].map(lambda s: str(_REPORTER_ROLE.get(s, Role.RESIDENT))) if role is None
            else str(role),
        }))
    events = pd.concat(parts).sort_values(["case_id", "at", "order"], kind="stable")
    events["from_status"] = events.groupby("case_id")["to_status"].shift(1)
    events["actor"] = events["role"].map(lambda r: f"sample:{r}")
    events["note"] = ""
    records = events.drop(columns="order").astype(object).where(events.drop(columns="order").notna(), None)
    rows = records.to_dict("records")
    for row in rows:
        row["at"] = row["at"].to_pydatetime()
    return rows
