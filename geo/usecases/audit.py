"""Writing the access audit log: in the caller's transaction, never updated or deleted (the table's triggers
refuse both; reading it is geo.read.audit_log)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from geo.db.models import AuditEntry


def record(session: Session, at: datetime, actor: str, role: str, action: str, target: str = "",
           detail: str = "") -> None:
    """Add one entry. Values longer than their column are cut to fit (a 10,000-character user name typed on
    the sign-in page is still audited, instead of failing the insert on PostgreSQL and going unrecorded)."""
    values = {"actor": actor, "role": str(role), "action": action, "target": target}
    session.add(AuditEntry(at=at, detail=detail, **{name: _fit(name, value) for name, value in values.items()}))


def _fit(column: str, value: str) -> str:
    length = AuditEntry.__table__.c[column].type.length
    return value if len(value) <= length else value[:length - 1] + "…"
