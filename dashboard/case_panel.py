"""The case map's side panel: a clicked case's whole story with the actions the acting person may take, or a
clicked grid's load.

Optimistic locking: the version the user *saw* is bound to the action button when the panel is drawn, so a
change by someone else between drawing and clicking surfaces as CaseChanged (a conflict message), never as a
silent overwrite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.case_extras import show_duplicates, show_photos
from dashboard.case_map_draw import CARD_COLOURS, STATUS_COLOURS
from dashboard.data import database
from dashboard.i18n import t
from dashboard.markup import escape
from dashboard.rating_link_panel import show_rating_link
from dashboard.tiles import rate_help
from dashboard.timeline import show_timeline
from geo.config import LOCAL_TZ
from geo.db.scope import OutOfScope
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.vocabulary import Rating, Tier
from geo.domain.workflow import CaseChanged, Param, ParamKind, WorkflowError, transition
from geo.read.case_map_lookup import FilterOptions, panel_actions, suggested_route
from geo.read.case_story import CaseStory, case_story
from geo.usecases.case_actions import act_on_case
from geo.usecases.personal_data import reveal

_TZ = ZoneInfo(LOCAL_TZ)
FLASH = "case_map_flash"


def local_time(value: datetime | None) -> str:
    """Stored UTC, shown in the district's time zone."""
    return "—" if value is None else value.astimezone(_TZ).strftime("%Y-%m-%d %H:%M")


def _badge(text: str, colour: str, dark_text: bool = False) -> str:
    fg = "#1f2933" if dark_text else "#fff"
    return (f'<span style="background:{colour};color:{fg};border-radius:10px;padding:1px 9px;'
            f'font-size:12.5px;white-space:nowrap">{text}</span>')


def status_badge(status: str) -> str:
    return _badge(t(f"case_map_status_{status}"), STATUS_COLOURS.get(status, "#555"), status == "rejected")


def card_badge(card: str) -> str:
    if card == "none":
        return ""
    return _badge(t(f"case_map_card_{card}"), CARD_COLOURS[card], card == "yellow")


def show_case(case_id: int, actor: Actor, options: FilterOptions) -> None:
    """Draw the panel for one case (flash message of the last action first)."""
    flash = st.session_state.pop(FLASH, None)
    if flash:
        getattr(st, flash[0])(flash[1])
    now = datetime.now(UTC)
    try:
        story = database().read(case_story, case_id, now, actor)
    except OutOfScope:
        story = None
    route = database().read(suggested_route, case_id) if story else None
    if story is None:
        st.info(t("case_map_case_gone"))
        return
    _header(story)
    _details(story)
    _bundle(story)
    _reveal(story, actor)
    # The actions before the story's long parts, so the button stays in view at 1080p however long the case ran.
    _actions(story, actor, options, route)
    show_rating_link(story.case, actor)
    show_photos(story, actor)
    _dispatches(story)
    show_timeline(story.events, local_time)
    show_duplicates(story, actor)


def _reveal(story: CaseStory, actor: Actor) -> None:
    """Unmask the reporter for roles that need to call back; geo audits every reveal."""
    if not may(actor.role, "reveal_personal") or not (story.case["reporter_phone"] or story.case["reporter_name"]):
        return
    key = f"case_map_revealed_{story.case['id']}"
    if st.button(t("case_map_reveal"), key=f"case_map_reveal_{story.case['id']}"):
        st.session_state[key] = reveal(database(), story.case["id"], actor, datetime.now(UTC))
    if key in st.session_state:
        name, phone = st.session_state[key]
        st.caption(f"{t('case_map_reporter')}: {escape(name)} {escape(phone)} · "
                   f"{t('case_map_reveal_logged')}")


def _header(story: CaseStory) -> None:
    c = story.case
    st.markdown(f"#### {escape(c['number'])}")
    st.markdown(f"{status_badge(c['status'])} {card_badge(story.card)} &nbsp; "
                f"**{escape(c['category_class'] or '—')} · {escape(c['category'] or '—')}** &nbsp; "
                f"{t('case_map_source_' + c['source'])}", unsafe_allow_html=True)


def _details(story: CaseStory) -> None:
    c = story.case
    flags = [t("case_map_snapped")] * bool(c["snapped"]) + [t("case_map_near_boundary")] * bool(c["near_boundary"])
    rows = [
        ("description", c["description"] or "—"),
        ("address", c["address"] or "—"),
        ("grid", f"{c['grid_code'] or '—'} {c['grid_name'] or ''} · {c['community'] or ''} {c['street'] or ''}"),
        ("grid_member", c["grid_member"] or "—"),
        ("building", c["building_address"] or "—"),
        ("reporter", f"{c['reporter_name'] or '—'} {c['reporter_phone']}"),
        ("reported_at", local_time(c["reported_at"])),
        ("deadline", local_time(c["deadline"])),
        ("tier", t(f"case_map_tier_{c['tier']}") if c["tier"] else "—"),
        ("rework_count", str(c["rework_count"])),
    ]
    if flags:
        rows.append(("location_flags", "; ".join(flags)))
    table = "".join(f"<tr><td style='color:#6b7785;padding:2px 12px 2px 0;white-space:nowrap;vertical-align:top'>"
                    f"{t('case_map_' + key)}</td><td style='padding:2px 0'>{escape(value)}</td></tr>"
                    for key, value in rows)
    st.markdown(f"<table style='font-size:14px;border:none'>{table}</table>", unsafe_allow_html=True)


def _bundle(story: CaseStory) -> None:
    """The bundle the case is in, with its other cases (each a link that opens it here)."""
    bundle = story.bundle
    if bundle is None:
        return
    title = escape(bundle["title"])  # shown as typed, never as markdown or HTML
    line = t("bundle_panel_line").format(id=bundle["id"], title=title, n=len(bundle["cases"]))
    st.markdown(f"**{t('bundle_panel')}**: {line}")
    with st.expander(t("bundle_panel_cases")):
        st.markdown("\n".join(f"- [{number}](case_map?case={number}) {t('case_map_status_' + status)}"
                               for number, status in bundle["cases"]))


def _dispatches(story: CaseStory) -> None:
    st.markdown(f"**{t('case_map_dispatches')}**")
    if not story.dispatches:
        st.caption(t("case_map_no_dispatches"))
        return
    lines = []
    for d in story.dispatches:
        lines.append(
            f"- **{escape(d['department'])}** ({t('case_map_' + d['role'])}) {card_badge(d['card'])}<br>"
            f"<span style='font-size:13px;color:#44505c'>{t('case_map_whistled_at')} {local_time(d['whistled_at'])}"
            f" · {t('case_map_reported_in_at')} {local_time(d['reported_in_at'])}"
            f" · {t('case_map_answered_at')} {local_time(d['answered_at'])}</span>")
    st.markdown("\n".join(lines), unsafe_allow_html=True)


def _actions(story: CaseStory, actor: Actor, options: FilterOptions, route) -> None:
    c = story.case
    st.markdown(f"**{t('case_map_actions')}** <span style='color:#6b7785;font-size:13px'>"
                f"({t('case_map_acting_as')}: {t('role_' + str(actor.role))})</span>", unsafe_allow_html=True)
    actions = panel_actions(c["status"], story.dispatches, actor)
    if not actions:
        st.caption(t("case_map_no_actions"))
        return
    action = st.radio(t("case_map_action"), actions, format_func=lambda a: t(f"case_map_action_{a}"),
                      horizontal=True, key=f"case_map_action_{c['id']}", label_visibility="collapsed")
    for param in transition(action).params:
        _input(param, _key(param.name, action, c["id"]), options, route)
    st.button(f"{t('case_map_do')}: {t('case_map_action_' + action)}", type="primary", key="case_map_do",
              on_click=_perform, args=(c["id"], action, actor, c["version"]))


def _key(name: str, action: str, case_id: int) -> str:
    return f"case_map_in_{name}_{action}_{case_id}"


def shared_input(kind: ParamKind, name: str, key: str) -> bool:
    """The widget for a parameter that needs no case's data (text, tier, rating, deadline) — the case panel's
    and the work queue's bulk action; False for the other kinds."""
    label = t(f"case_map_param_{name}")
    if kind == ParamKind.TEXT:
        st.text_input(label, key=key)
    elif kind == ParamKind.TIER:
        st.selectbox(label, [str(x) for x in Tier], index=1, key=key, format_func=lambda x: t(f"case_map_tier_{x}"))
    elif kind == ParamKind.RATING:
        st.selectbox(label, [str(r) for r in Rating], key=key, format_func=lambda r: t(f"case_map_rating_{r}"))
    elif kind == ParamKind.DEADLINE:
        st.date_input(label, value=None, key=key, help=t(f"case_map_param_{name}_help"), format="YYYY-MM-DD")
    else:
        return False
    return True


def _input(param: Param, key: str, options: FilterOptions, route) -> None:
    """The widget for one declared parameter of the action (geo.domain.workflow), by its kind; departments
    default to the category's route."""
    if shared_input(param.kind, param.name, key):
        return
    label = t(f"case_map_param_{param.name}")
    depts = dict(zip(options.departments["id"].astype(int), options.departments["name"]))
    kind = param.kind
    if kind == ParamKind.DEPARTMENT:
        ids = list(depts)
        index = ids.index(route.lead_department_id) if route and route.lead_department_id in ids else 0
        st.selectbox(label, ids, index=index, format_func=depts.get, key=key)
    elif kind == ParamKind.DEPARTMENTS:
        st.multiselect(label, list(depts), format_func=depts.get, key=key,
                       default=[d for d in (route.co_department_ids if route else ()) if d in depts])
    elif kind == ParamKind.CATEGORY:
        cats = dict(zip(options.categories["id"].astype(int),
                        options.categories["class_name"] + " · " + options.categories["name"]))
        st.selectbox(label, list(cats), format_func=cats.get, key=key)


def action_params(action: str, case_id: int) -> dict:
    """The action's declared parameters as the panel's inputs hold them (geo checks and converts them)."""
    return {p.name: st.session_state.get(_key(p.name, action, case_id)) for p in transition(action).params}


def _perform(case_id: int, action: str, actor: Actor, seen_version: int) -> None:
    """Button callback: act on the version the user saw; the outcome is shown at the top of the panel."""
    label = t(f"case_map_action_{action}")
    try:
        act_on_case(database(), case_id, action, actor, seen_version, action_params(action, case_id),
                    datetime.now(UTC))
    except CaseChanged as exc:
        st.session_state[FLASH] = ("warning", t("case_map_conflict").format(expected=exc.expected, actual=exc.actual))
    except WorkflowError as exc:
        st.session_state[FLASH] = ("error", t("case_map_refused") + escape(exc))
    else:
        st.session_state[FLASH] = ("success", t("case_map_done").format(action=label))


def show_grid(summary: dict | None, on_zoom, on_filter) -> None:
    """A clicked grid's load: place, who runs it, case figures, cards, open cases by category."""
    if summary is None:
        st.info(t("case_map_case_gone"))
        return
    st.markdown(f"#### {t('case_map_grid_load')} · {escape(summary['code'])}")
    st.caption(f"{escape(summary['name'])} · {escape(summary['community'])} {escape(summary['street'])} "
               f"{escape(summary.get('district'))} · "
               f"{t('case_map_grid_member')}: {escape(summary['member'] or '—')}")
    cols = st.columns(4)
    for col, key in zip(cols, ("received", "open", "overdue", "closed")):
        col.metric(t(f"case_map_{key}"), f"{summary[key]:,}")
    cols = st.columns(3)
    for col, key in zip(cols[:2], ("closure_rate", "satisfaction_rate")):
        col.metric(t(f"case_map_{key}"), "—" if summary[key] is None else f"{summary[key]:.1%}", help=rate_help(key))
    cols[2].metric(t("case_map_cards_count"), f"{summary['yellow']} / {summary['red']} / {summary['discipline']}")
    if summary["open_by_category"]:
        st.markdown(f"**{t('case_map_open_by_category')}**")
        st.markdown("\n".join(f"- {escape(name)}: {n}" for name, n in summary["open_by_category"]))
    left, right = st.columns(2)
    left.button(t("case_map_zoom_to_grid"), on_click=on_zoom, args=(summary["bounds"],), key="case_map_zoom_grid")
    right.button(t("case_map_show_grid_cases"), on_click=on_filter, key="case_map_grid_only",
                 args=(summary["id"], summary.get("street_id"), summary.get("district_id")))
