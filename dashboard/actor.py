"""Who is acting, until sign-in exists (issue 7 replaces this): a role selector in the sidebar.

Department staff pick their department, street and community staff their area, grid members their grid;
the result is the ``geo.actors.Actor`` the case actions are performed as.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from geo.actors import Actor
from geo.case_map_lookup import FilterOptions
from geo.vocabulary import Role

#: The roles that work with individual cases (analysts only look; the wall screen and residents see no
#: individual case on this page, geo.scope).
ROLES = (Role.SUPERVISOR, Role.DEPARTMENT, Role.STREET, Role.COMMUNITY, Role.GRID_MEMBER, Role.ANALYST)


def actor_selector(options: FilterOptions) -> Actor:
    """Sidebar widgets → the Actor (named after the role and binding, e.g. "supervisor" or "department:3")."""
    role = Role(st.sidebar.selectbox(t("case_map_role"), [str(r) for r in ROLES],
                                     format_func=lambda r: t(f"case_map_role_{r}"), key="case_map_role"))
    if role == Role.DEPARTMENT:
        dept = _pick(t("case_map_as_department"), options.departments, "name", "case_map_as_department")
        return Actor(f"demo:department:{dept}", role, department_id=dept)
    if role == Role.STREET:
        street = _pick(t("case_map_as_street"), options.streets, "name", "case_map_as_street")
        return Actor(f"demo:street:{street}", role, street_id=street)
    if role == Role.COMMUNITY:
        community = _pick(t("case_map_as_community"), options.communities, "name", "case_map_as_community")
        return Actor(f"demo:community:{community}", role, community_id=community)
    if role == Role.GRID_MEMBER:
        grid = _pick(t("case_map_as_grid"), options.grids, "code", "case_map_as_grid")
        code = options.grids.loc[options.grids["id"] == grid, "code"]
        return Actor(f"demo:grid_member:{grid}", role, grid_codes=frozenset(code))
    return Actor(f"demo:{role}", role)


def _pick(label: str, frame, label_column: str, key: str) -> int | None:
    if frame.empty:
        return None
    labels = dict(zip(frame["id"].astype(int), frame[label_column]))
    return st.sidebar.selectbox(label, list(labels), format_func=labels.get, key=key)
