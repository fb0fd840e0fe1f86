"""Personal data of reporters and volunteers: how it is masked wherever it is shown. Unmasking is a use case
that checks the right and the scope and audits it (geo.usecases.personal_data)."""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a caller, not enough to call them."""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else ("****" if digits else "")


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_email(email: str) -> str:
    """z***@example.com: the mailbox hidden, the provider kept (it says which channel a notice went to)."""
    local, at, domain = (email or "").strip().rpartition("@")
    return f"{local[:1]}***@{domain}" if at and local else ("***" if email else "")


#: The contact fields of a message (a reporter notice) and how each is masked.
_CONTACT_FIELDS = {"phone": mask_phone, "email": mask_email, "name": mask_name}


def mask_contact_fields(message: dict) -> dict:
    """A copy of ``message`` with its contact fields masked — what may be written to a log, which many people
    read and nobody audits (the notice itself still goes out with the real number)."""
    return {key: _CONTACT_FIELDS[key](value) if key in _CONTACT_FIELDS and isinstance(value, str) else value
            for key, value in message.items()}


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}\d{7}[\dXx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_contacts_in_text(text: str) -> str:
    """Free text with the phone numbers, ID-card numbers and e-mail addresses a reporter typed into it masked:
    what other API clients (and the public) may see of a description."""
    text = _ID_CARD.sub(lambda m: m.group(0)[:3] + "*" * 12 + m.group(0)[-3:], text or "")
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _EMAIL.sub("***@***", text)
