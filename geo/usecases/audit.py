"""Writing the access audit log: in the caller's transaction, never updated or deleted (the table's triggers
refuse both; reading it is geo.read.audit_log)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from geo.db.models import AuditEntry


def record(session: Session, at: datetime, actor: str, role: str, action: str, target: str = "",
           detail: str = "") -> None:
    session.add(AuditEntry(at=at, actor=actor, role=str(role), action=action, target=target, detail=detail))
