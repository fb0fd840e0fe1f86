"""The space-time view: is a place a hotspot week after week, newly, more and more, or less and less?

In the spirit of ArcGIS's emerging hot-spot analysis (docs/hotspots.md):

1. Gi* per unit per week over the last ``WEEKS`` weeks (``geo.domain.hotspots.getis_ord_columns``: analytic z, each
   week corrected with Benjamini–Hochberg on its own); a unit-week is hot (cold) at 95 % confidence.
2. The Mann–Kendall trend of each unit's weekly z: Kendall's tau between week number and z (scipy), whose
   test is the Mann–Kendall test; significant at ``TREND_ALPHA``.
3. A pattern per unit from its weekly hot/cold series and trend (ArcGIS's definitions, hot shown; cold is the
   mirror image with "cold" for "hot"):

   - new:          hot in the last week and never before;
   - consecutive:  one uninterrupted run of ≥ 2 hot weeks up to the last week, never hot before the run,
                   hot in < 90 % of the weeks;
   - intensifying: hot in ≥ 90 % of the weeks including the last, z rising significantly;
   - persistent:   hot in ≥ 90 % of the weeks including the last, no significant trend;
   - diminishing:  hot in ≥ 90 % of the weeks including the last, z falling significantly;
   - sporadic:     hot in the last week, on and off before, < 90 % of the weeks, never cold;
   - oscillating:  hot in the last week, < 90 % of the weeks, cold in some earlier week;
   - historical:   not hot in the last week, but hot in ≥ 90 % of the weeks;
   - no_pattern:   none of these.

Each week is compared with that week's own district-wide mean, so a district-wide seasonal rise (summer
litter, the heating season) does not make every unit "intensifying": a pattern says a place stands out more
(or less) than the rest of the district did that week.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy import stats

from geo.domain.hotspots import getis_ord_columns

WEEKS = 12
ALPHA = 0.05
TREND_ALPHA = 0.05
_KINDS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
          "historical")
#: Every pattern, hot ones first then cold ones, "no_pattern" last.
PATTERNS = (*(f"{k}_hot" for k in _KINDS), *(f"{k}_cold" for k in _KINDS), "no_pattern")
_MOSTLY = 0.9


def space_time_patterns(values: np.ndarray, weights: W, alpha: float = ALPHA,
                        trend_alpha: float = TREND_ALPHA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per unit, per week) for ``values`` (units × weeks, oldest week first, the units of ``weights``).

    Per unit (unit order): hot_weeks, cold_weeks, tau, trend_p (NaN where no trend was needed), pattern.
    Per week: hot, cold – how many units were hot or cold that week.
    """
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise ValueError(f"values must be units × weeks with at least 2 weeks, got shape {matrix.shape}")
    if not 0 < alpha < 1 or not 0 < trend_alpha < 1:
        raise ValueError(f"alpha and trend_alpha must be in (0, 1), got {alpha} and {trend_alpha}")
    z, classes = getis_ord_columns(matrix, weights, alpha_levels=(alpha,))
    hot = np.char.startswith(classes.astype(str), "hot")
    cold = np.char.startswith(classes.astype(str), "cold")
    tau, trend_p = _trends(z, hot, cold)
    patterns = [_pattern(hot[i], cold[i], tau[i], trend_p[i], trend_alpha) for i in range(matrix.shape[0])]
    units = pd.DataFrame({"hot_weeks": hot.sum(axis=1), "cold_weeks": cold.sum(axis=1), "tau": tau,
                          "trend_p": trend_p, "pattern": pd.Series(patterns, dtype=object)})
    weeks = pd.DataFrame({"hot": hot.sum(axis=0), "cold": cold.sum(axis=0)})
    return units, weeks


def _trends(z: np.ndarray, hot: np.ndarray, cold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann–Kendall (Kendall's tau of z against time) for the units whose pattern depends on a trend."""
    tau, p = np.full(z.shape[0], np.nan), np.full(z.shape[0], np.nan)
    steps = np.arange(z.shape[1])
    for i in np.flatnonzero((hot.mean(axis=1) >= _MOSTLY) | (cold.mean(axis=1) >= _MOSTLY)):
        if np.ptp(z[i]) > 0:
            result = stats.kendalltau(steps, z[i])
            tau[i], p[i] = result.statistic, result.pvalue
        else:
            tau[i], p[i] = 0.0, 1.0
    return tau, p


def _pattern(hot: np.ndarray, cold: np.ndarray, tau: float, trend_p: float, trend_alpha: float) -> str:
    for series, other, side, sign in ((hot, cold, "hot", 1.0), (cold, hot, "cold", -1.0)):
        kind = _kind(series, other, sign * tau, trend_p, trend_alpha)
        if kind:
            return f"{kind}_{side}"
    return "no_pattern"


def _kind(series: np.ndarray, other: np.ndarray, rising: float, trend_p: float, trend_alpha: float) -> str:
    """The pattern of one side (hot or cold) from its weekly flags; ``rising`` is tau in that side's sense."""
    share, last = series.mean(), bool(series[-1])
    if share >= _MOSTLY:
        if not last:
            return "historical"
        if trend_p < trend_alpha:
            return "intensifying" if rising > 0 else "diminishing"
        return "persistent"
    if not last:
        return ""
    if series.sum() == 1:
        return "new"
    run = len(series) - np.flatnonzero(~series)[-1] - 1  # hot weeks in a row up to the last one
    if run >= 2 and series.sum() == run:
        return "consecutive"
    return "oscillating" if other.any() else "sporadic"
