"""Builders for service tests: the domain's set-up, complaints, zones, a holiday calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import shared_fixtures

PHONE = "13912345678"

# Shared with the other domain's tests (tests/shared_fixtures.py).
at = shared_fixtures.at
media_root = shared_fixtures.media_root
_roles_committed = shared_fixtures._roles_committed
roles = shared_fixtures.roles
zone = shared_fixtures.zone_fixture("观景台")


@pytest.fixture
def service(db, roles):
    """The service set-up as `setup_site` runs it: workflows, categories, types, plans, templates."""
    from scenic_ops.service import setup

    setup.load()
    return setup


@pytest.fixture
def make_complaint(service):
    from scenic_ops.service import complaints

    def build(**fields):
        values = {"description": "排队两个小时，厕所太脏了。", "phone": PHONE, "category": "sanitation"}
        values.update(fields)
        return complaints.file_complaint(**values)

    return build


@pytest.fixture
def national_day_2025(db):
    """2025's National Day and Mid-Autumn holiday (Oct 1–8) with its 调休 working days (Sun Sep 28, Sat Oct 11)."""
    from scenic_ops.core import calendar
    from scenic_ops.core.models import CalendarDay

    for day in range(1, 9):
        CalendarDay.objects.create(date=dt.date(2025, 10, day), kind="holiday", name="国庆节、中秋节")
    for day in (dt.date(2025, 9, 28), dt.date(2025, 10, 11)):
        CalendarDay.objects.create(date=day, kind="workday", name="国庆节调休")
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def crowded_site(db):
    """Site capacity 100 at once, 1,000 a day; a key spot 'summit' of 50."""
    from scenic_ops.core.models import SiteProfile, Zone
    from scenic_ops.core.services import ensure_site_profile

    profile = ensure_site_profile()
    SiteProfile.objects.filter(pk=profile.pk).update(max_instant_capacity=100, max_daily_capacity=1000)
    return Zone.objects.create(
        code="summit", name="主峰", name_en="Main Peak", kind="spot", instant_capacity=50,
        latitude=Decimal("31.2400"), longitude=Decimal("120.4200"),
    )  # fmt: skip


def go_red(now=None):
    """96 visitors of 100 in the park: the flow domain moves the site to red."""
    from scenic_ops.flow.services import evaluate, record_passages

    now = now or timezone.now() - dt.timedelta(minutes=5)
    record_passages(None, entries=96, at=now)
    changes = evaluate(now=now)
    assert changes and changes[-1].to_level == 3
    return changes[-1]
