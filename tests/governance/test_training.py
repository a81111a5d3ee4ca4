"""Training: QR sign-in on a phone, a pass issues a certificate that expires, reminders at 90, 30
and 7 days before, and who lacks a mandatory certificate."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client

from scenic_ops.core.models import Role
from scenic_ops.governance import training
from scenic_ops.governance.errors import GovernanceError
from scenic_ops.governance.models import Enrolment, Programme, Session, TrainingCertificate
from scenic_ops.workflow.models import Notification
from scenic_ops.workflow.services import timers

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ropeway(db, roles):
    programme = Programme.objects.create(code="ropeway-op", name="客运索道司机", kind="equipment", validity_months=12)
    programme.mandatory_for.add(Role.objects.get(code="engineer"))
    session = Session.objects.create(
        programme=programme,
        starts_at=dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ),
        ends_at=dt.datetime(2026, 3, 10, 12, 0, tzinfo=TZ),
        place="培训室",
        sign_in_code=training.new_sign_in_code(),
    )
    return programme, session


def test_sign_in_by_qr_only_while_the_class_is_open(ropeway, make_user):
    _programme, session = ropeway
    person = make_user("engineer")
    with pytest.raises(GovernanceError) as err:
        training.sign_in(session.sign_in_code, person, now=dt.datetime(2026, 3, 10, 7, 30, tzinfo=TZ))
    assert err.value.code == "sign_in_closed" and not Enrolment.objects.exists()
    first = training.sign_in(session.sign_in_code, person, now=dt.datetime(2026, 3, 10, 8, 30, tzinfo=TZ))
    again = training.sign_in(session.sign_in_code, person, now=dt.datetime(2026, 3, 10, 9, 40, tzinfo=TZ))
    assert first.pk == again.pk and again.signed_in_at == dt.datetime(2026, 3, 10, 8, 30, tzinfo=TZ)
    with pytest.raises(GovernanceError) as err:
        training.sign_in("nope", person)
    assert err.value.code == "unknown_session"


def test_the_phone_page_signs_in_with_one_tap(ropeway, make_user, monkeypatch):
    from django.utils import timezone

    _programme, session = ropeway
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 10, 9, 5, tzinfo=TZ))
    person = make_user("engineer", display_name="赵磊")
    client = Client()
    client.force_login(person)
    url = f"/training/sign-in/{session.sign_in_code}/"
    page = client.get(url)
    assert page.status_code == 200 and "客运索道司机" in page.content.decode()
    done = client.post(url)
    assert (
        done.status_code == 200
        and "赵磊" in done.content.decode()
        and 'data-testid="signed-in"' in done.content.decode()
    )
    assert Enrolment.objects.get(person=person).signed_in_at is not None
    assert client.get("/training/sign-in/nope/").status_code == 404
    assert Client().get(url).status_code == 302  # log in first


def test_a_pass_issues_a_certificate_once_valid_for_the_programmes_months(ropeway, make_user):
    _programme, session = ropeway
    enrolment = Enrolment.objects.create(session=session, person=make_user("engineer"))
    assert training.record_result(enrolment, "failed", 52) is None
    certificate = training.record_result(enrolment, "passed", 88)
    assert training.record_result(enrolment, "passed", 90).pk == certificate.pk
    assert (certificate.issued_on, certificate.expires_on) == (dt.date(2026, 3, 10), dt.date(2027, 3, 10))
    with pytest.raises(GovernanceError):
        training.record_result(enrolment, "great")


def test_reminders_fire_90_30_and_7_days_before_expiry_and_on_no_other_day(ropeway, make_user):
    from scenic_ops.workflow import setup

    report = setup.load_for("governance.trainingcertificate")
    assert report.errors == [] and len(report.created) == 3, report
    programme, _session = ropeway
    holder = make_user("engineer", display_name="赵磊")
    admin = make_user("training_admin")
    TrainingCertificate.objects.create(
        holder=holder, programme=programme, number="R-1", issued_on=dt.date(2025, 6, 1), expires_on=dt.date(2026, 6, 1)
    )
    fired = {}
    day = dt.date(2026, 2, 20)
    while day <= dt.date(2026, 6, 1):
        before = Notification.objects.filter(recipient=holder).count()
        timers.send_date_reminders(dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ))
        if Notification.objects.filter(recipient=holder).count() > before:
            fired[(dt.date(2026, 6, 1) - day).days] = day
        day += dt.timedelta(days=1)
    assert sorted(fired) == [7, 30, 90]
    assert Notification.objects.filter(recipient=admin).count() == 3
    assert "R-1" in Notification.objects.filter(recipient=holder).first().body
    # running the job twice on a reminder day sends nothing more
    timers.send_date_reminders(dt.datetime(2026, 5, 25, 9, 0, tzinfo=TZ))
    assert Notification.objects.filter(recipient=holder).count() == 3


def test_compliance_lists_who_lacks_a_mandatory_certificate(ropeway, make_user):
    programme, _session = ropeway
    ok, old = make_user("engineer", username="ok"), make_user("engineer", username="old")
    make_user("engineer", username="none")
    make_user("ticket_clerk", username="clerk")  # not an engineer: not listed
    TrainingCertificate.objects.create(
        holder=ok, programme=programme, number="A", issued_on=dt.date(2026, 1, 1), expires_on=dt.date(2027, 1, 1)
    )
    TrainingCertificate.objects.create(
        holder=old, programme=programme, number="B", issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2025, 1, 1)
    )
    rows = {r.person.username: r.status for r in training.compliance(today=dt.date(2026, 6, 1))}
    assert rows == {"ok": "valid", "old": "expired", "none": "missing"}
    assert {r.person.username: r.status for r in training.compliance(today=dt.date(2026, 12, 15))}["ok"] == "expiring"
