"""Emerging problems: is a grid's case rate in the last few weeks higher or lower than in the weeks before?

The rule, per grid (r = cases in the recent ``recent_weeks``, b = cases in the ``before_weeks`` before them):

1. "new":          b == 0 and r >= ``min_new`` (default 3) – nothing before, a real cluster now.
2. "intensifying": the recent weekly rate is significantly higher than before.
3. "diminishing":  the recent weekly rate is significantly lower than before.
4. "steady":       everything else, including grids with no case in either period.

"Significantly" is the exact conditional test for two Poisson rates (the C-test): if the weekly rate did
not change, then given n = r + b cases, r ~ Binomial(n, recent_weeks / (recent_weeks + before_weeks)).
We use the one-sided tail in the direction of the change at ``alpha`` (default 0.05). The test is the
small-count guard: with 4 vs 12 weeks, 3 cases before and 2 now doubles the weekly rate but p = 0.37 –
"steady"; 9 before and 9 now (three times the rate) gives p = 0.019 – "intensifying"; no case before and
1–2 now can never reach significance. It is a per-grid screening flag, not corrected
for testing many grids at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

TREND_CLASSES = ("new", "intensifying", "steady", "diminishing")


def emerging(
    counts_recent: np.ndarray,
    counts_before: np.ndarray,
    recent_weeks: int = 4,
    before_weeks: int = 12,
    *,
    min_new: int = 3,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Trend per grid (rows in the grids' order): recent, before, rate_ratio, p, trend.

    ``rate_ratio`` is (r / recent_weeks) / (b / before_weeks): inf when b == 0 < r, NaN when both are 0.
    ``p`` is the one-sided C-test p in the direction of the change (1.0 when both counts are 0).
    """
    recent, before = _checked_counts(counts_recent, counts_before)
    if recent_weeks <= 0 or before_weeks <= 0:
        raise ValueError(f"recent_weeks and before_weeks must be > 0, got {recent_weeks} and {before_weeks}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    share = recent_weeks / (recent_weeks + before_weeks)
    total = recent + before
    p_up = stats.binom.sf(recent - 1, total, share)  # P(X >= r)
    p_down = stats.binom.cdf(recent, total, share)  # P(X <= r)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (recent / recent_weeks) / (before / before_weeks)
    rising = recent > total * share
    p = np.where(total == 0, 1.0, np.where(rising, p_up, p_down))
    trend = np.full(recent.size, "steady", dtype=object)
    trend[rising & (p_up < alpha)] = "intensifying"
    trend[~rising & (total > 0) & (p_down < alpha)] = "diminishing"
    trend[(before == 0) & (recent >= min_new)] = "new"
    return pd.DataFrame({"recent": recent, "before": before, "rate_ratio": ratio, "p": p, "trend": trend})


def _checked_counts(counts_recent: np.ndarray, counts_before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    recent = np.asarray(counts_recent).ravel()
    before = np.asarray(counts_before).ravel()
    if recent.shape != before.shape:
        raise ValueError(
            f"counts_recent ({recent.size}) and counts_before ({before.size}) must cover the same grids"
        )
    for name, a in (("counts_recent", recent), ("counts_before", before)):
        if a.size and (not np.isfinite(a).all() or (a < 0).any() or (a != np.round(a)).any()):
            raise ValueError(f"{name} must hold non-negative whole case counts")
    return recent.astype(np.int64), before.astype(np.int64)
