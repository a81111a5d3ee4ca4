"""PIPL access requests: one person's data from every domain, as a file, with a log of who handed it
over and why. The domains answer for their own rows (`core.privacy`); values are masked as the
desk shows them, so the file identifies the records without spreading full ID or phone numbers."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from scenic_ops.core import audit, pii, privacy
from scenic_ops.core.models import AuditEvent, User
from scenic_ops.governance.errors import Code, GovernanceError
from scenic_ops.governance.models import DataRequest

PHONE = re.compile(r"^1[3-9]\d{9}$")
ID = re.compile(r"^[0-9A-Za-z]{6,30}$")


@transaction.atomic
def export_person(*, phone: str = "", id_number: str = "", reason: str, user: User, now: dt.datetime | None = None):
    """The export (a dict for a JSON file) and its log row. Refused without the permission or a reason."""
    if not user.has_perm("governance.export_person_data"):
        raise GovernanceError(Code.NOT_ALLOWED)
    phone, id_number, reason = phone.strip(), pii.normalise(id_number or ""), " ".join(reason.split())[:200]
    if not phone and not id_number:
        raise GovernanceError(Code.NO_SUBJECT)
    if (phone and not PHONE.match(phone)) or (id_number and not ID.match(id_number)):
        raise GovernanceError(Code.BAD_SUBJECT)
    if not reason:
        raise GovernanceError(Code.REASON_REQUIRED)
    now = now or timezone.now()
    sections = privacy.person_sections(phone=phone, id_number=id_number, now=now)
    subject = {
        "phone": pii.mask_phone(phone) if phone else "",
        "id_number": pii.mask_id_number(id_number) if id_number else "",
    }
    request = DataRequest.objects.create(
        subject_phone=subject["phone"],
        subject_id=subject["id_number"],
        reason=reason,
        sections=len(sections),
        rows=sum(len(s.rows) for s in sections),
        requested_by=user,
    )
    audit.record(
        AuditEvent.Action.ACTION,
        request,
        user=user,
        message=f"personal data export: {subject['phone']} {subject['id_number']} — {reason}"[:500],
    )
    return {
        "request": request.pk,
        "generated_at": now.isoformat(),
        "subject": subject,
        "reason": reason,
        "sections": [s.as_dict() for s in sections],
    }
