"""Inspection certificates of special equipment. Reminders 30, 7 and 1 days before expiry are
notification rules of the workflow engine (operations/fixtures/certificate_rules.toml), sent by
its daily date-reminder job; this module keeps the certificates' state."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from scenic_ops.operations.models import Certificate


def mark_expired(*, now: dt.datetime | None = None) -> int:
    today = timezone.localdate(now or timezone.now())
    return Certificate.objects.filter(state=Certificate.State.VALID, expires_on__lt=today).update(
        state=Certificate.State.EXPIRED
    )


@transaction.atomic
def renew(certificate: Certificate) -> Certificate:
    """A new certificate replaces the asset's older valid ones (they stop reminding)."""
    certificate.save()
    Certificate.objects.filter(asset_id=certificate.asset_id, state=Certificate.State.VALID).exclude(
        pk=certificate.pk
    ).filter(expires_on__lte=certificate.expires_on).update(state=Certificate.State.SUPERSEDED)
    return certificate
