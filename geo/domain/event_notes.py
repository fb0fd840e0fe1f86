"""What GridGov itself says about a case event, as a key and parameters rather than a sentence, so that the
timeline reads in the user's language: ``{"key": "whistled", "params": {"lead": "城市管理局", "co": [...]}}``.

An event keeps two notes apart: the words a person typed (a reason, a note — shown as typed) in ``note``, and
the system's own account of what happened in ``note_key`` + ``note_params`` (JSON). Events written before
notes had keys hold GridGov's English sentences ("tier=lead_department", "lead=A; co=B", "imported from
x.csv; grid id 12 by coordinates" …): ``from_legacy`` reads those back into keys, so old timelines translate
too; any other text stays the person's words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

#: Every note key GridGov writes, with the parameters it carries (the catalogue has one sentence per key).
NOTE_KEYS: dict[str, tuple[str, ...]] = {
    "reported": ("datum", "unassigned", "snapped", "near_boundary"),  # a single case reported (intake)
    "imported": ("source", "by", "unassigned", "snapped", "near_boundary"),  # a file's rows (bulk intake)
    "triaged": ("tier",),  # accept: the tier chosen at triage
    "whistled": ("lead", "co"),  # department names at the time of the whistle
    "recategorised": ("old", "new", "lead", "co"),  # lead None: no route, the manual queue
    "rated": ("rating",),
    "bundled": ("bundle_id", "title"),
    "regridded": ("old", "new"),  # grid codes before and after a re-cut
    "merged": ("into",),  # this case is a duplicate of case number ``into``
    "merged_in": ("duplicate",),  # case number ``duplicate`` was merged into this one
    "followed": ("source",),  # another reporter, through the channel ``source``
    "photo": ("kind", "width", "height"),  # a before/after photo added
}
#: Every action a case event can carry besides the workflow's transitions (geo.domain.workflow).
SYSTEM_ACTIONS = ("report", "import", "regrid", "bundle", "merge", "merged_in", "follow", "photo")


@dataclass(frozen=True)
class Note:
    key: str
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in NOTE_KEYS:
            raise ValueError(f"unknown note key {self.key!r}; keys: {', '.join(NOTE_KEYS)}")
        unknown = set(self.params) - set(NOTE_KEYS[self.key])
        if unknown:
            raise ValueError(f"note {self.key!r} takes {', '.join(NOTE_KEYS[self.key])}; not {', '.join(sorted(unknown))}")

    def dumps(self) -> str:
        """The parameters as stored in ``case_events.note_params``."""
        return json.dumps(self.params, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def stored(key: str | None, params: str | None, text: str) -> tuple[Note | None, str]:
    """(the system's note, the person's words) of a stored event: its key and parameters if it has them, else
    the legacy sentence read back into a Note (then no words are left), else the text as typed."""
    if key:
        try:
            return Note(key, json.loads(params or "{}")), text
        except (ValueError, TypeError):
            return None, text
    found = _legacy(text)
    return found if found is not None else (None, text)


_NAMES = r"(?P<lead>[^;]+?)(?P<co>(?:; co=[^;]+)*)"
_PLACED = r"(?:(?P<unassigned>unassigned queue)|grid id \d+(?: by (?P<by>coordinates|address))?)(?: \((?P<flags>[^)]*)\))?"
_LEGACY = [
    ("triaged", re.compile(r"tier=(?P<tier>community|lead_department|district_leader)")),
    ("whistled", re.compile(rf"lead={_NAMES}")),
    ("recategorised", re.compile(rf"(?P<old>.+?) → (?P<new>.+?); route: (?:manual queue|lead={_NAMES})")),
    ("imported", re.compile(rf"imported from (?P<source>.+?); {_PLACED}")),
    ("reported", re.compile(rf"datum=(?P<datum>\w+); {_PLACED}(?:; (?P<words>.*))?", re.S)),
    ("bundled", re.compile(r"bundle (?P<bundle_id>\d+): (?P<title>.*?)(?:; escalated to .*)?")),
    ("rated", re.compile(r"(?P<rating>satisfied|basically_satisfied|unsatisfied)")),
    ("merged", re.compile(r"duplicate of (?P<into>\S+)")),
    ("merged_in", re.compile(r"(?P<duplicate>\S+) merged in")),
    ("followed", re.compile(r"another reporter \((?P<source>[^)]*)\)")),
    ("photo", re.compile(r"(?P<kind>before|after) photo (?P<width>\d+)×(?P<height>\d+)")),
]


def from_legacy(text: str) -> Note | None:
    """A note GridGov wrote as an English sentence before notes had keys, as a Note; None for anything else."""
    found = _legacy(text)
    return None if found is None else found[0]


def _legacy(text: str) -> tuple[Note, str] | None:
    """(the Note, a person's words that followed it — an intake note after the placement) or None."""
    for key, pattern in _LEGACY:
        match = pattern.fullmatch(text or "")
        if match:
            found = match.groupdict()
            return Note(key, _legacy_params(key, found)), found.get("words") or ""
    return None


def _legacy_params(key: str, found: dict) -> dict:
    params = {k: v for k, v in found.items() if k in NOTE_KEYS[key] and v is not None}
    if "co" in found:
        params["co"] = [name for name in (found["co"] or "").split("; co=") if name]
    if key == "recategorised" and found.get("lead") is None:
        params["lead"] = None
    if key == "bundled":
        params["bundle_id"] = int(found["bundle_id"])
    if key == "photo":
        params.update(width=int(found["width"]), height=int(found["height"]))
    if "flags" in found:
        flags = found.get("flags") or ""
        params.update(unassigned=found.get("unassigned") is not None, snapped="snapped" in flags,
                      near_boundary="near boundary" in flags)
    return params
