"""A case's timeline in the user's language: every event's action, the status it moved to, who acted, what
GridGov noted (a key with parameters, geo.domain.event_notes, turned into a sentence here) and the person's
own words. Long timelines fold: the newest events show, the rest open on demand, so the panel's actions stay
in view at 1080p."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import STRINGS, t
from dashboard.markup import escape
from geo.domain.event_notes import Note

#: Events shown before the rest fold away (newest last, as the story reads).
SHOWN = 4
_DATUMS = {"wgs84": "WGS 84", "gcj02": "GCJ-02", "bd09": "BD-09"}


def said_text(note: Note | None) -> str:
    """GridGov's note as a sentence of the current language ("" without one)."""
    if note is None:
        return ""
    p = note.params
    names = t("note_list_sep").join
    co = t("note_whistled_co").format(names=names(p.get("co") or [])) if p.get("co") else ""
    placed = "".join(t(f"note_{flag}") for flag in ("unassigned", "snapped", "near_boundary") if p.get(flag))
    values = {
        "reported": lambda: {"datum": _DATUMS.get(p.get("datum"), p.get("datum", "")), "placed": placed},
        "imported": lambda: {"source": p.get("source", ""), "by": t(f"note_by_{p.get('by') or ''}"),
                             "placed": "" if not p.get("by") else placed},
        "triaged": lambda: {"tier": t(f"case_map_tier_{p.get('tier')}")},
        "whistled": lambda: {"lead": p.get("lead", ""), "co": co},
        "recategorised": lambda: {"old": p.get("old", ""), "new": p.get("new", ""),
                                  "route": t("note_route_lead").format(lead=p["lead"], co=co) if p.get("lead")
                                  else t("note_route_manual")},
        "rated": lambda: {"rating": t(f"case_map_rating_{p.get('rating')}")},
        "bundled": lambda: {"bundle_id": p.get("bundle_id", ""), "title": p.get("title", "")},
        "regridded": lambda: {"old": p.get("old", ""), "new": p.get("new", "")},
        "merged": lambda: {"into": p.get("into", "")},
        "merged_in": lambda: {"duplicate": p.get("duplicate", "")},
        "followed": lambda: {"source": _source(p.get("source", ""))},
        "photo": lambda: {"kind": t(f"note_photo_{p.get('kind')}"), "width": p.get("width", ""),
                          "height": p.get("height", "")},
    }
    key = "reported_by_address" if note.key == "reported" and p.get("datum") == "address" else note.key
    return t(f"note_{key}").format(**values[note.key]())


def _source(code: str) -> str:
    """A channel in words where the catalogue knows it (sources of geo.domain.vocabulary), else as given."""
    return t(f"case_map_source_{code}") if f"case_map_source_{code}" in STRINGS else code


def event_line(e: dict, local_time) -> str:
    """One event as a markdown list item (values escaped)."""
    to = f" → {t('case_map_status_' + e['to_status'])}" if e["to_status"] else ""
    said = said_text(e["said"])
    notes = " — ".join(escape(x) for x in (said, e["note"]) if x)
    return (f"- `{local_time(e['at'])}` **{t('case_map_action_' + e['action'])}**{to} "
            f"<span style='color:#6b7785'>· {t('role_' + e['role']) if e['role'] else ''} {escape(e['actor'])}"
            f"{' — ' + notes if notes else ''}</span>")


def show_timeline(events: list[dict], local_time) -> None:
    """The newest SHOWN events, the older ones in a folded expander above them."""
    st.markdown(f"**{t('case_map_timeline')} ({len(events)})**")
    older, newest = events[:-SHOWN] if len(events) > SHOWN else [], events[-SHOWN:]
    with st.container(key="case_map_timeline"):
        if older:
            with st.expander(t("case_map_timeline_older").format(n=len(older))):
                st.markdown("\n".join(event_line(e, local_time) for e in older), unsafe_allow_html=True)
        st.markdown("\n".join(event_line(e, local_time) for e in newest), unsafe_allow_html=True)
