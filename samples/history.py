"""The sample's case and dispatch tables as geo.usecases.bulk_load expects them, and each case's event history
derived from its stage timestamps (so a supervisor opening a sample case sees a real timeline)."""

from __future__ import annotations

import pandas as pd

from geo.domain.vocabulary import Role, Source, Status
from geo.usecases.bulk_load import CASE_TIMES

#: (timestamp column, action, status reached, role acting), in the order the loop runs.
STAGES = [
    ("reported_at", "report", Status.REPORTED, None),
    ("accepted_at", "accept", Status.ACCEPTED, Role.SUPERVISOR),
    ("rejected_at", "reject", Status.REJECTED, Role.SUPERVISOR),
    ("whistled_at", "whistle", Status.WHISTLED, Role.SUPERVISOR),
    ("reported_in_at", "report_in", Status.REPORTED_IN, Role.DEPARTMENT),
    ("answered_at", "answer", Status.ANSWERED, Role.DEPARTMENT),
    ("deferred_at", "defer", Status.DEFERRED, Role.SUPERVISOR),
    ("closed_at", "close", Status.CLOSED, Role.SUPERVISOR),
    ("rated_at", "rate", Status.RATED, Role.RESIDENT),
]

_REPORTER_ROLE = {Source.GRID_MEMBER: Role.GRID_MEMBER, Source.RESIDENT_APP: Role.RESIDENT,
                  Source.HOTLINE: Role.SUPERVISOR, Source.VIDEO_PATROL: Role.SUPERVISOR, Source.DEPUTY: Role.RESIDENT}
DISPATCH_TIMES = ["whistled_at", "reported_in_at", "answered_at"]


def parse_times(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """ISO-8601 UTC strings (empty = not reached) → aware UTC timestamps (NaT)."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_datetime(out[column].replace("", None), utc=True, format="ISO8601")
    return out


#: The stages a case can be deferred after, in the order the loop reaches them, with the status each leaves.
_PROGRESS = [("accepted_at", Status.ACCEPTED), ("whistled_at", Status.WHISTLED),
             ("reported_in_at", Status.REPORTED_IN), ("answered_at", Status.ANSWERED)]


def case_frame(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases file (strings) with numeric coordinates, aware times and each deferred case's pause."""
    out = parse_times(cases, CASE_TIMES)
    return deferral(out.assign(lon=out["lon"].astype(float), lat=out["lat"].astype(float)))


def deferral(cases: pd.DataFrame) -> pd.DataFrame:
    """``deferred_from`` and ``deferred_at`` of the deferred cases. The sample records only the stages a case
    reached, so a deferred case was deferred from the last of them, at that stage's time (the earliest it can
    have been; the time-limit clock stopped then)."""
    deferred = cases["status"] == Status.DEFERRED
    since = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns, UTC]")
    whence = pd.Series("", index=cases.index, dtype=object)
    for column, status in _PROGRESS:
        reached = deferred & cases[column].notna()
        since, whence = since.mask(reached, cases[column]), whence.mask(reached, str(status))
    return cases.assign(deferred_at=since, deferred_from=whence)


def dispatch_frame(dispatches: pd.DataFrame) -> pd.DataFrame:
    return parse_times(dispatches, DISPATCH_TIMES)[["case_number", "department_code", "role", *DISPATCH_TIMES]]


def case_events(cases: pd.DataFrame) -> pd.DataFrame:
    """One event per stage a case reached, in time order, each naming the status it moved from."""
    parts = []
    reporter = {str(source): str(role) for source, role in _REPORTER_ROLE.items()}
    for order, (column, action, status, role) in enumerate(STAGES):
        reached = cases[cases[column].notna()]
        parts.append(pd.DataFrame({
            "case_number": reached["number"], "at": reached[column], "order": order, "action": action,
            "to_status": str(status),
            "role": reached["source"].map(reporter).fillna(str(Role.RESIDENT)) if role is None else str(role),
            "position": reached.index,
        }))
    events = pd.concat(parts).sort_values(["position", "at", "order"], kind="stable")
    events["from_status"] = events.groupby("position")["to_status"].shift(1)
    events["actor"] = "示例数据"  # the sample's people are not named: the timeline shows their role and this
    events["note"] = ""
    return events.drop(columns=["order", "position"]).reset_index(drop=True)

