"""What a case import checks its rows against: the categories, the source ids already imported, the
buildings' addresses (for rows without coordinates) and the grid codes of a layout. Small keyed reads;
no case row leaves the database except the ids asked about."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import Building, Case, Category, Grid

_CHUNK = 5000  # IN lists stay well below both backends' parameter limits


def categories(session: Session) -> list[tuple[int, str, str]]:
    """(id, code, name) of every category."""
    return [tuple(r) for r in session.execute(select(Category.id, Category.code, Category.name)).all()]


def category_codes(session: Session) -> list[list[str]]:
    """[code, name] of every category, by code: what an unknown category word may be mapped to."""
    return [list(r) for r in session.execute(select(Category.code, Category.name).order_by(Category.code)).all()]


def existing_source_refs(session: Session, refs: pd.Series) -> dict[str, str]:
    """source_ref → case number for the refs already in the database."""
    unique = refs.unique().tolist()
    found: dict[str, str] = {}
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start:start + _CHUNK]
        found.update(session.execute(select(Case.source_ref, Case.number).where(Case.source_ref.in_(chunk))).all())
    return found


def building_addresses(session: Session) -> list[tuple[int, str]]:
    """(id, address) of every building: the address index of rows without coordinates."""
    return [tuple(r) for r in session.execute(select(Building.id, Building.address)).all()]


def grid_codes(session: Session, layout_id: int) -> dict[int, str]:
    """grid id → code for the grids of one layout."""
    return dict(session.execute(select(Grid.id, Grid.code).where(Grid.layout_id == layout_id)).all())
