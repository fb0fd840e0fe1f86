"""When a new report is probably a case already open: the same or a related category (same category class),
close by (a radius), recent (a time window) — both per category, configurable — and a similar description.

Why per category: a broken street light is seen from a whole street, a heating complaint comes from one
building, a noise complaint echoes across a block at night. ``DuplicatePolicy`` holds a default rule and
per-category overrides (``GRIDGOV_DUPLICATE_RULES``, read by geo.config).

The score blends nearness, recency, text similarity and an exact-category bonus into 0…1; at or above
``min_score`` the open case is shown as a likely duplicate — to the reporter ("already reported — follow it
instead?") and to the supervisor, who decides whether to merge. Nothing is merged automatically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

_NOISE = re.compile(r"[\W_]+", re.UNICODE)
#: Words every report uses ("please handle it soon"): they make unrelated texts look alike.
_STOP = ("请尽快处理", "已持续多日", "望相关部门处理", "多次反映未解决", "视频巡查发现")


@dataclass(frozen=True)
class DuplicateRule:
    radius_m: float = 50.0
    hours: float = 72.0


@dataclass(frozen=True)
class DuplicatePolicy:
    default: DuplicateRule = DuplicateRule()
    by_category: dict[str, DuplicateRule] = field(default_factory=dict)  # category code -> rule
    min_score: float = 0.55

    def rule(self, category_code: str | None) -> DuplicateRule:
        return self.by_category.get(category_code or "", self.default)

    @classmethod
    def from_dict(cls, raw: dict) -> DuplicatePolicy:
        """``{"default": {"radius_m": 50, "hours": 72}, "SZSS03": {"radius_m": 150}, "min_score": 0.5}``."""
        if not isinstance(raw, dict):
            raise ValueError("duplicate rules must be a JSON object")
        rules = {}
        for code, value in raw.items():
            if code == "min_score":
                continue
            if not isinstance(value, dict) or not set(value) <= {"radius_m", "hours"}:
                raise ValueError(f"duplicate rule {code!r} must be an object with radius_m and/or hours, "
                                 f"got {value!r}")
            rule = DuplicateRule(**{k: float(v) for k, v in value.items()})
            if not (rule.radius_m > 0 and rule.hours > 0):
                raise ValueError(f"duplicate rule {code!r}: radius_m and hours must be positive, got {value!r}")
            rules[code] = rule
        default = rules.pop("default", DuplicateRule())
        min_score = float(raw.get("min_score", cls.min_score))
        if not 0 < min_score <= 1:
            raise ValueError(f"duplicate rules: min_score must be in (0, 1], got {min_score!r}")
        return cls(default, rules, min_score)


def _shingles(text: str) -> set[str]:
    """Character bigrams of the text without punctuation and stock phrases (Chinese has no spaces)."""
    clean = unicodedata.normalize("NFKC", text or "")
    for phrase in _STOP:
        clean = clean.replace(phrase, "")
    clean = _NOISE.sub("", clean.lower())
    return {clean[i:i + 2] for i in range(len(clean) - 1)} or ({clean} if clean else set())


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams, 0…1 (0 when either text is empty)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def duplicate_scores(distance_m: np.ndarray, age_h: np.ndarray, similarity: np.ndarray,
                     same_category: np.ndarray, rule: DuplicateRule) -> np.ndarray:
    """0…1 per candidate: 40 % nearness, 20 % recency, 30 % text, 10 % exact category. Candidates outside
    the rule's radius or window score 0."""
    near = np.clip(1 - np.asarray(distance_m, float) / rule.radius_m, 0, 1)
    recent = np.clip(1 - np.abs(np.asarray(age_h, float)) / rule.hours, 0, 1)
    inside = (np.asarray(distance_m) <= rule.radius_m) & (np.abs(np.asarray(age_h)) <= rule.hours)
    score = 0.4 * near + 0.2 * recent + 0.3 * np.asarray(similarity, float) + 0.1 * np.asarray(same_category)
    return np.where(inside, score, 0.0)


def metres_between(lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres (haversine; exact enough at the scale of a radius of metres)."""
    r = 6_371_008.8
    p0, p1 = np.radians(lat0), np.radians(np.asarray(lat, float))
    dp, dl = p1 - p0, np.radians(np.asarray(lon, float) - lon0)
    h = np.sin(dp / 2) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def degree_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) containing every point within ``radius_m``: the cheap SQL pre-filter."""
    dlat = radius_m / 111_000.0
    dlon = radius_m / (111_000.0 * max(np.cos(np.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
