"""Colour classes for grid choropleths (quantile breaks over the non-zero values)."""

from __future__ import annotations

import numpy as np

#: Sequential palette (light → dark red) for load; grey for grids with nothing.
PALETTE = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"]
EMPTY = "#f0f0f0"


def class_breaks(values: list[int], classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of quantile classes over the non-zero values (a few grids with huge loads do not wash out
    the rest, as an equal-interval scale would)."""
    positive = np.array([v for v in values if v > 0], dtype=float)
    if positive.size == 0:
        return [0.0]
    return sorted(set(np.quantile(positive, np.linspace(0, 1, classes + 1)[1:]).round(0).tolist()))


def colour_for(value: int, breaks: list[float], palette: list[str] = PALETTE, empty: str = EMPTY) -> str:
    """The palette colour of ``value``'s class (``empty`` for nothing); other themes pass their own palette."""
    if value <= 0:
        return empty
    for i, upper in enumerate(breaks):
        if value <= upper:
            return palette[min(i, len(palette) - 1)]
    return palette[-1]
