"""GridGov's objects as the Open311 GeoReport v2 resources (field names and order as the specification's
examples; absent values as null / empty elements)."""

from __future__ import annotations

import pandas as pd

from api.formats import w3c
from geo.read.services import Service

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: Sortable stamp of the service list's shape (Service Discovery's changeset); bump with a change of it.
CHANGESET = "2026-11-30 00:00"


def service_item(s: Service) -> dict:
    notes = f"{s.group} · {s.name}" + (f"; department: {s.department}" if s.department else "")
    return {"service_code": s.code, "service_name": s.name, "description": f"{notes}; time limit: {s.time_limit}",
            "metadata": s.metadata, "type": "realtime", "keywords": f"{s.name}, {s.group}", "group": s.group}


def definition_item(s: Service) -> dict:
    return {"service_code": s.code, "attributes": [
        {"variable": a.variable, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description or None, "order": a.order, "description": a.description,
         "values": [{"key": k, "name": n} for k, n in a.values]}
        for a in sorted(s.attributes, key=lambda a: a.order)]}


def media_url(photo: dict | None, base_url: str) -> str | None:
    if not photo:
        return None
    return f"{base_url}/media/{photo['key']}" if photo.get("key") else (photo.get("url") or None)


def request_item(r: dict, base_url: str) -> dict:
    """One case as a service request. Our stage goes in status_notes, the department in agency_responsible."""
    notes = f"stage: {r['status']}"
    if r["merged_into"]:
        notes += f"; duplicate, merged into {r['merged_into']} (followed there)"
    if r["department"] and r["whistled"]:
        notes += f"; handled by {r['department']}"
    elif r["department"] and not r["closed"]:
        notes += f"; to be routed to {r['department']}"
    updated = r["closed_at"] if r["closed"] and r["closed_at"] else r["updated_at"]
    return {
        "service_request_id": r["number"], "status": "closed" if r["closed"] else "open", "status_notes": notes,
        "service_name": r["service_name"], "service_code": r["service_code"], "description": r["description"],
        "agency_responsible": r["department"] or None, "service_notice": None,
        "requested_datetime": w3c(r["requested_at"]), "updated_datetime": w3c(updated),
        "expected_datetime": w3c(r["expected_at"]), "address": r["address"] or None,
        "address_id": r["address_id"] or None, "zipcode": None, "lat": r["lat"], "long": r["lon"],
        "media_url": media_url(r["photo"], base_url),
    }


def duplicate_items(duplicates: pd.DataFrame) -> list[dict]:
    """Likely duplicates for the reporter: which open case, how near, how alike (no personal data)."""
    return [{"service_request_id": d.number, "service_name": d.category, "status": d.status,
             "requested_datetime": w3c(pd.Timestamp(d.reported_at).to_pydatetime()),
             "distance_m": float(d.distance_m), "score": float(d.score), "description": d.description}
            for d in duplicates.itertuples(index=False)]


def service_notice(department: str, duplicates: pd.DataFrame) -> str:
    notice = "Received by the district governance center"
    if department:
        notice += f"; it will be routed to {department}"
    if len(duplicates):
        notice += ("; possibly already reported as " + ", ".join(duplicates["number"].head(3))
                   + " (GET requests/<id> to follow it)")
    return notice
