"""Which cases an actor may see and act on, as a SQL condition over ``cases`` — enforced in the geo queries
the pages call, not only hidden in the pages.

- center supervisors, admins, analysts: the whole district;
- department staff: cases whistled to their department;
- street / community staff: cases in grids of their street / community (under the grid a case is in now);
- grid members: cases in their grids (by grid code, which survives a re-cut);
- the big screen and residents: no individual case (aggregates only).
"""

from __future__ import annotations

from sqlalchemy import exists, false, select, true
from sqlalchemy.orm import Session, aliased

from geo.db.models import Case, CaseDispatch, Community, Grid
from geo.domain.actors import Actor
from geo.domain.permissions import DISTRICT_WIDE, may
from geo.domain.vocabulary import Role
from geo.domain.workflow import WorkflowError


class OutOfScope(WorkflowError, PermissionError):
    """The case exists but is not the actor's to see or touch (said without revealing anything about it)."""

    def __init__(self, actor: Actor, case_ref: object):
        super().__init__(f"case {case_ref} is not within the scope of {actor.name} ({actor.role})")


def case_condition(actor: Actor):
    """SQL condition on ``cases`` true for the cases ``actor`` may see."""
    if not may(actor.role, "view_cases"):
        return false()
    if actor.role in DISTRICT_WIDE:
        return true()
    if actor.role == Role.DEPARTMENT:
        own = aliased(CaseDispatch)  # an alias: the enclosing query may join case_dispatches itself
        return exists(select(own.id).where(own.case_id == Case.id, own.department_id == actor.department_id))
    if actor.role == Role.GRID_MEMBER:
        return Case.grid_id.in_(select(Grid.id).where(Grid.code.in_(sorted(actor.grid_codes))))
    if actor.role == Role.COMMUNITY:
        return Case.grid_id.in_(select(Grid.id).where(Grid.community_id == actor.community_id))
    if actor.role == Role.STREET:
        return Case.grid_id.in_(select(Grid.id).join(Community, Community.id == Grid.community_id)
                                .where(Community.street_id == actor.street_id))
    return false()


def aggregate_condition(actor: Actor):
    """SQL condition on ``cases`` for the figures ``actor`` may see: every case for a role allowed district
    metrics (the big screen included, which sees no individual case), else the cases the actor may see — a
    department's KPI tiles count its own cases, not the district's."""
    return true() if may(actor.role, "view_district_metrics") else case_condition(actor)


def in_scope(session: Session, actor: Actor, case_id: int) -> bool:
    return session.scalar(select(Case.id).where(Case.id == case_id, case_condition(actor))) is not None


def require_case(session: Session, actor: Actor, case_id: int) -> None:
    """Raise OutOfScope unless the actor may see case ``case_id``."""
    if not in_scope(session, actor, case_id):
        raise OutOfScope(actor, case_id)


def community_condition(actor: Actor, community_id):
    """SQL condition true for the records of communities ``actor`` may see — volunteers and their tasks, held
    by a community (``community_id``: that column): the district-wide roles all; street staff their street's
    communities; community staff their own; grid members the communities of their grids; others none."""
    if not may(actor.role, "view_volunteers"):
        return false()
    if actor.role in DISTRICT_WIDE:
        return true()
    if actor.role == Role.COMMUNITY:
        return community_id == actor.community_id
    if actor.role == Role.STREET:
        return community_id.in_(select(Community.id).where(Community.street_id == actor.street_id))
    if actor.role == Role.GRID_MEMBER:
        return community_id.in_(select(Grid.community_id).where(Grid.code.in_(sorted(actor.grid_codes))))
    return false()
