"""Small case exports for import tests, built in tmp_path: a US-style 311 export (English headers, US times,
a vocabulary of its own), shaped like a real city's open-data dump but placed on the test grids
(tests/integration/factories.py: G00 and G10, building 北环路177号3栋)."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from tests.integration.factories import STEP, X0, Y0

CATEGORIES = ["Bulky Items", "Graffiti Removal", "Illegal Dumping Pickup", "Electronic Waste",
              "Metal/Household Appliances", "Homeless Encampment", "Dead Animal Removal", "Single Streetlight Issue",
              "Multiple Streetlight Issue", "Feedback", "Report Water Waste", "Other"]
CHANNELS = ["Call", "Driver Self Report", "Email", "Mobile App", "Self Service", "Voicemail", "Walk-in"]
STATUSES = ["Closed", "Open", "Pending"]
HEADER = ["SRNumber", "CreatedDate", "UpdatedDate", "ActionTaken", "Owner", "RequestType", "Status", "RequestSource",
          "MobileOS", "Anonymous", "Address", "ZipCode", "Latitude", "Longitude", "Location", "ClosedDate"]
#: Every ADDRESS_EVERY-th row has no coordinates, only the address of building B1; every OUTSIDE_EVERY-th
#: lies outside the district; every CLOSED_EARLY_EVERY-th was closed before it was reported.
ADDRESS_EVERY, OUTSIDE_EVERY, CLOSED_EARLY_EVERY = 10, 25, 100


def us_time(stamp: datetime) -> str:
    """``01/06/2018 10:18:29 AM``: month first, 12-hour clock."""
    return stamp.strftime("%m/%d/%Y %I:%M:%S %p")


def us_311_rows(n: int, start: datetime = datetime(2018, 1, 6, 10, 18, 29)) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        created = start + timedelta(hours=7 * i, minutes=i % 60)
        status = STATUSES[i % 3] if i % CLOSED_EARLY_EVERY else "Closed"
        closed = created - timedelta(hours=2) if i % CLOSED_EARLY_EVERY == 0 else created + timedelta(days=2)
        lon, lat = X0 + (i % 2) * STEP + 0.0005, Y0 + 0.0005
        if i % OUTSIDE_EVERY == 0:
            lon, lat = 106.9, 39.9
        address = "北环路177号3栋" if i % ADDRESS_EVERY == 0 else f"{100 + i} W 1ST ST"
        no_point = i % ADDRESS_EVERY == 0 and i % OUTSIDE_EVERY != 0
        rows.append({
            "SRNumber": f"1-{1_000_000_000 + i}", "CreatedDate": us_time(created),
            "UpdatedDate": us_time(created + timedelta(days=1)), "ActionTaken": "SR Created", "Owner": "BOS",
            "RequestType": CATEGORIES[i % len(CATEGORIES)], "Status": status,
            "RequestSource": CHANNELS[i % len(CHANNELS)], "MobileOS": "", "Anonymous": "N", "Address": address,
            "ZipCode": "90012", "Latitude": "" if no_point else f"{lat:.7f}",
            "Longitude": "" if no_point else f"{lon:.7f}",
            "Location": "" if no_point else f"({lat:.7f}, {lon:.7f})",
            "ClosedDate": us_time(closed) if status == "Closed" else ""})
    return rows


def write_us_311(path: Path, n: int, **kwargs) -> Path:
    """A UTF-8 CSV of ``n`` rows (see us_311_rows)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, HEADER)
        writer.writeheader()
        writer.writerows(us_311_rows(n, **kwargs))
    return path
