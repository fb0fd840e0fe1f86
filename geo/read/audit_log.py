"""Reading the access audit log (written by geo.usecases.audit, never updated or deleted)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import AuditEntry
from geo.domain.actors import Actor
from geo.domain.permissions import may


def audit_log(session: Session, viewer: Actor, start: datetime | None = None, end: datetime | None = None,
              action: str | None = None, limit: int = 10_000) -> pd.DataFrame:
    """The log, newest first, for the district admin only (PermissionError for anyone else)."""
    if not may(viewer.role, "view_audit"):
        raise PermissionError(f"{viewer.name} ({viewer.role}) may not read the audit log")
    query = select(AuditEntry.at, AuditEntry.actor, AuditEntry.role, AuditEntry.action, AuditEntry.target,
                   AuditEntry.detail).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if action:
        query = query.where(AuditEntry.action == action)
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))
