"""Personal data of reporters (and, later, volunteers): how it is masked wherever it is shown. Unmasking is a
use case that checks the right and audits it (geo.usecases.personal_data)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a caller, not enough to call them."""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else ("****" if digits else "")


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
