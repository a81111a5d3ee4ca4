"""The governance desk: budget lines raised and approved by amount tier, the variance report."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from scenic_ops.governance import services as governance
from scenic_ops.governance.models import Budget
from scenic_ops.workflow import services as workflow

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_budget_line_is_approved_by_amount_tier_and_only_then_counts(workflows, org, make_user):
    office = make_user("manager", display_name="总经理")
    from scenic_ops.core.models import Department

    Department.objects.create(code="office", name="综合办公室", head=office)
    office.department = Department.objects.get(code="office")
    office.save()
    line = Budget.objects.create(
        title="2026 维修费",
        fiscal_year=timezone.localdate().year,
        department=org.engineering,
        category="repair",
        amount=Decimal("250000"),
        applicant=org.asker,
    )
    workflow.start(line, org.asker)
    workflow.apply(line, "submit", org.asker)
    path = []
    for who in (org.head, org.manager, office, org.finance):
        line.refresh_from_db()
        path.append(line.state)
        workflow.apply(line, "approve", who)
    line.refresh_from_db()
    assert path == ["dept_review", "manager_review", "gm_review", "finance_check"] and line.state == "approved"
    entry = governance.charge(
        source="x:1", label="#1", department="engineering", category="repair", amount=Decimal("1000"), kind="actual"
    )
    assert entry.budget == line


def test_the_desk_pages_and_the_forms_rules(workflows, org, budget_line):
    line = budget_line("purchase", "15000")
    governance.charge(
        source="x:2", label="#2 对讲机", department="engineering", category="purchase", amount=Decimal("9000")
    )
    governance.charge(
        source="x:3", label="#3 灯具", department="nowhere", category="repair", amount=Decimal("300"), enforce=False
    )
    client = client_for(org.finance)
    listing = client.get("/admin/governance/budget/")
    assert listing.status_code == 200 and "工程部purchase" in listing.content.decode()
    page = client.get("/admin/governance/budgetvariance/")
    text = page.content.decode()
    assert page.status_code == 200 and f'data-line="{line.pk}"' in text and "9000" in text
    assert "#3 灯具" in text  # spending without a line is shown, not hidden
    # the form: the distribution must add up to 100; a second line for the same key is refused
    add = client.get("/admin/governance/budget/add/")
    assert add.status_code == 200
    data = {
        "title": "重复",
        "fiscal_year": line.fiscal_year,
        "department": org.engineering.pk,
        "category": "purchase",
        "amount": "1000",
        "control": "stop",
        "monthly": "[]",
        "note": "",
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
    }
    answer = client.post("/admin/governance/budget/add/", data)
    assert answer.status_code == 200 and "已有" in answer.content.decode()
    data.update(category="training", monthly='["50", "50"]')
    answer = client.post("/admin/governance/budget/add/", data)
    assert answer.status_code == 200 and "合计 100" in answer.content.decode()
    data.update(monthly=str(["10"] * 10 + ["0", "0"]).replace("'", '"'))
    answer = client.post("/admin/governance/budget/add/", data)
    assert answer.status_code == 302
    made = Budget.objects.get(category="training")
    assert made.applicant == org.finance and made.state != "approved" and made.share_to(10) == Decimal("1000.00")
    # a role without the budget permissions sees nothing
    assert client_for(org.asker).get("/admin/governance/budgetvariance/").status_code in (302, 403)
