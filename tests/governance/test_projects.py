"""Smart-tourism projects: what the annex 2 form will count, and the desk page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from scenic_ops.governance import selectors
from scenic_ops.governance.models import Award, Funding, Milestone, Project

pytestmark = pytest.mark.django_db


def test_the_year_summary_counts_running_projects_their_funding_and_awards(db):
    booking = Project.objects.create(
        code="booking",
        name="分时预约平台",
        phase="operate",
        investment=Decimal("1200000"),
        completed_amount=Decimal("1200000"),
        starts_on=dt.date(2025, 3, 1),
        accepted_on=dt.date(2025, 12, 20),
    )
    Project.objects.create(
        code="vr",
        name="VR云游",
        phase="build",
        investment=Decimal("800000"),
        completed_amount=Decimal("300000"),
        starts_on=dt.date(2026, 5, 1),
    )
    Project.objects.create(
        code="ai", name="AI导览", phase="plan", investment=Decimal("500000"), starts_on=dt.date(2026, 9, 1)
    )
    Funding.objects.create(
        project=booking, source="省旅游发展专项资金", amount=Decimal("300000"), received_on=dt.date(2026, 4, 2)
    )
    Funding.objects.create(
        project=booking, source="市级补助", amount=Decimal("100000"), received_on=dt.date(2025, 11, 2)
    )
    Award.objects.create(project=booking, name="智慧旅游优秀案例", level="省级", year=2026)
    Milestone.objects.create(
        project=booking, title="上线试运行", due_on=dt.date(2025, 9, 1), done_on=dt.date(2025, 8, 28)
    )
    summary = selectors.projects_summary(2026)
    assert summary["projects"] == ["分时预约平台", "VR云游"]  # by code; the planned one does not count yet
    assert summary["investment"] == Decimal("2000000") and summary["completed"] == Decimal("1500000")
    assert summary["funding"] == Decimal("300000") and summary["awards"] == ["智慧旅游优秀案例（省级）"]
    assert selectors.projects_summary(2025)["projects"] == ["分时预约平台"]


def test_the_desk_lists_projects_with_their_progress(make_user):
    Project.objects.create(
        code="vr", name="VR云游", phase="build", investment=Decimal("800000"), completed_amount=Decimal("200000")
    )
    client = Client()
    client.force_login(make_user("manager"))
    page = client.get("/admin/governance/project/")
    assert page.status_code == 200 and "VR云游" in page.content.decode() and "25 %" in page.content.decode()
    assert client.get("/admin/governance/project/add/").status_code == 200
