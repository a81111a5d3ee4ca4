"""Inspection certificates of special equipment: reminders 30, 7 and 1 days before expiry
(notification rules run by the workflow engine's daily date-reminder job), and no others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scenic_ops.core.models import OutboxMessage
from scenic_ops.operations.models import Certificate
from scenic_ops.operations.services import certificates
from scenic_ops.workflow.models import Notification
from scenic_ops.workflow.services import timers

pytestmark = pytest.mark.django_db


def test_expiry_reminders_fire_30_7_and_1_days_before(make_asset, make_user):
    engineer = make_user("engineer", phone="13905120001")
    manager = make_user("manager")
    make_user("ticket_clerk")
    cableway = make_asset("cableway", name="客运索道")
    cert = certificates.renew(Certificate(asset=cableway, number="TS7110-2025-001", expires_on=dt.date(2026, 7, 31)))
    fired: dict[int, set[str]] = {}
    day = dt.date(2026, 6, 20)
    while day <= dt.date(2026, 8, 2):
        now = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
        before = set(Notification.objects.values_list("pk", flat=True))
        timers.send_date_reminders(now=now)
        timers.send_date_reminders(now=now)  # the job may run twice: still one message each
        new = Notification.objects.exclude(pk__in=before)
        if new.exists():
            fired[(cert.expires_on - day).days] = {n.recipient.username for n in new}
        day += dt.timedelta(days=1)
    assert sorted(fired) == [1, 7, 30]
    assert fired[30] == {engineer.username, manager.username}
    subjects = list(
        Notification.objects.filter(recipient=engineer).order_by("created_at").values_list("subject", flat=True)
    )
    assert subjects[0].startswith("检验证书30天后到期") and "客运索道" in subjects[0]
    # SMS at 7 and 1 days, to those with a phone number
    assert OutboxMessage.objects.filter(channel="sms").count() == 2


def test_a_renewed_certificate_stops_the_old_ones_reminders(make_asset, make_user):
    make_user("engineer")
    elevator = make_asset("elevator")
    old = certificates.renew(Certificate(asset=elevator, number="OLD", expires_on=dt.date(2026, 7, 31)))
    certificates.renew(Certificate(asset=elevator, number="NEW", expires_on=dt.date(2027, 7, 31)))
    old.refresh_from_db()
    assert old.state == "superseded"
    timers.send_date_reminders(now=timezone.make_aware(dt.datetime(2026, 7, 1, 8, 0)))
    assert not Notification.objects.exists()


def test_expired_certificates_are_marked(make_asset):
    cert = certificates.renew(Certificate(asset=make_asset("ride"), number="R1", expires_on=dt.date(2026, 5, 1)))
    assert certificates.mark_expired(now=timezone.make_aware(dt.datetime(2026, 5, 1, 12))) == 0
    assert certificates.mark_expired(now=timezone.make_aware(dt.datetime(2026, 5, 2, 0, 10))) == 1
    cert.refresh_from_db()
    assert cert.state == "expired"
