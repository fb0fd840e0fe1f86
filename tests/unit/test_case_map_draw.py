"""Case markers: every card's ring stands out from what it touches, on every status colour."""

import pandas as pd
import pytest

from dashboard.case_map_draw import CARD_COLOURS, STATUS_COLOURS, _cases, contrast, marker_bands
from geo.domain.vocabulary import OPEN_STATUSES

CARDS = ["yellow", "red", "discipline"]


@pytest.mark.parametrize("card", CARDS)
@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_a_cards_ring_contrasts_with_both_its_neighbours(status, card):
    bands = marker_bands(status, card)
    ring = bands.index(CARD_COLOURS[card])
    assert min(contrast(bands[ring], bands[ring - 1]), contrast(bands[ring], bands[ring + 1])) >= 3, bands


def test_the_old_yellow_ring_on_an_amber_marker_was_invisible():
    assert contrast(CARD_COLOURS["yellow"], STATUS_COLOURS["reported_in"]) < 1.5  # why the ring got edges


def test_carded_cases_get_a_ring_drawn_under_their_marker():
    rows = pd.DataFrame({"number": ["A", "B"], "lon": [106.8, 106.81], "lat": [39.6, 39.61],
                         "status": ["reported_in", "closed"], "card": ["yellow", "red"], "category": ["x", "y"]})
    rings, markers = _cases(rows, {})
    assert [f["properties"]["k"] for f in rings.data["features"]] == ["yellow"]  # a closed case shows no card
    assert len(markers.data["features"]) == 2
