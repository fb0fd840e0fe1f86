"""Creating and publishing grid layout versions (the re-cut's history: an old version stays and can be
published again)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from geo.db.models import GridLayout


def create_layout(session: Session, name: str, source: str = "", created_by: str = "", note: str = "") -> GridLayout:
    """A new, not yet active layout version; grids are added to it, then ``activate_layout`` publishes it."""
    layout = GridLayout(name=name, source=source, created_by=created_by, note=note,
                        created_at=datetime.now(UTC), is_active=False)
    session.add(layout)
    session.flush()
    return layout


def activate_layout(session: Session, layout_id: int) -> None:
    """Make ``layout_id`` the one active layout (the previous one stays, inactive, and can be restored)."""
    session.execute(update(GridLayout).values(is_active=GridLayout.id == layout_id))
