"""Training: sessions people sign in to with their phone (the session's QR code), results that issue
certificates with an expiry, and who is missing a mandatory certificate.

Reminders before a certificate expires are not code here: they are the date-reminder rules of
`fixtures/workflows/training_certificate.toml` (90, 30 and 7 days before `expires_on`), run daily by
the workflow's `send_date_reminders` job, which sends through the outbox.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from scenic_ops.core.models import User
from scenic_ops.governance.errors import Code, GovernanceError
from scenic_ops.governance.models import Enrolment, Programme, Session, TrainingCertificate

SIGN_IN_EARLY = dt.timedelta(hours=1)  # sign-in opens an hour before the class


def new_sign_in_code() -> str:
    return secrets.token_urlsafe(12)[:16]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def sign_in(code: str, person: User, *, now: dt.datetime | None = None) -> Enrolment:
    """The person scanned the session's code: enrolled if they were not, signed in once."""
    now = now or timezone.now()
    session = Session.objects.select_related("programme").filter(sign_in_code=str(code)[:24]).first()
    if session is None:
        raise GovernanceError(Code.UNKNOWN_SESSION)
    if not session.starts_at - SIGN_IN_EARLY <= now <= session.ends_at:
        raise GovernanceError(
            Code.SIGN_IN_CLOSED,
            starts=timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
            ends=timezone.localtime(session.ends_at).strftime("%H:%M"),
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                enrolment, _created = Enrolment.objects.get_or_create(session=session, person=person)
        except IntegrityError:  # two scans at once
            enrolment = Enrolment.objects.get(session=session, person=person)
        Enrolment.objects.filter(pk=enrolment.pk, signed_in_at__isnull=True).update(signed_in_at=now)
    enrolment.refresh_from_db()
    return enrolment


def record_result(enrolment: Enrolment, result: str, score=None) -> TrainingCertificate | None:
    """A trainer's assessment; a pass issues the certificate (once), valid from the session's day."""
    if result not in Enrolment.Result.values:
        raise GovernanceError(Code.INVALID_RESULT)
    with transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(result=result, score=score)
        enrolment.result, enrolment.score = result, score
        if result != Enrolment.Result.PASSED:
            return None
        existing = TrainingCertificate.objects.filter(enrolment=enrolment).first()
        if existing is not None:
            return existing
        session = enrolment.session
        programme = session.programme
        issued = timezone.localdate(session.starts_at)
        return TrainingCertificate.objects.create(
            holder=enrolment.person,
            programme=programme,
            number=f"{programme.code.upper()}-{issued:%Y}-{enrolment.pk:06d}",
            issued_on=issued,
            expires_on=add_months(issued, programme.validity_months) if programme.validity_months else None,
            enrolment=enrolment,
            state="valid",
        )


@dataclass(frozen=True)
class ComplianceRow:
    person: User
    programme: Programme
    status: str  # valid | expiring | expired | missing
    expires_on: dt.date | None


def compliance(*, today: dt.date | None = None, soon_days: int = 30) -> list[ComplianceRow]:
    """Everyone a mandatory programme applies to (by role), with the state of their certificate."""
    today = today or timezone.localdate()
    rows = []
    for programme in Programme.objects.prefetch_related("mandatory_for__group"):
        groups = [role.group_id for role in programme.mandatory_for.all()]
        if not groups:
            continue
        people = User.objects.filter(is_active=True, groups__in=groups).distinct().order_by("username")
        best: dict[int, dt.date | None] = {}
        for holder_id, expires in TrainingCertificate.objects.filter(programme=programme).values_list(
            "holder_id", "expires_on"
        ):
            current = best.get(holder_id, dt.date.min)
            if expires is None or (current is not None and expires > current):
                best[holder_id] = expires
        for person in people:
            if person.pk not in best:
                status, expires = "missing", None
            else:
                expires = best[person.pk]
                if expires is None or expires > today + dt.timedelta(days=soon_days):
                    status = "valid"
                elif expires >= today:
                    status = "expiring"
                else:
                    status = "expired"
            rows.append(ComplianceRow(person, programme, status, expires))
    order = {"expired": 0, "missing": 1, "expiring": 2, "valid": 3}
    return sorted(rows, key=lambda r: (order[r.status], r.programme.code, r.person.username))
