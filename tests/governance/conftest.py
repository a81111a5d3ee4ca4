"""Builders for governance tests: departments with heads, approved budget lines, the workflows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests import shared_fixtures
from tests.service.conftest import make_complaint, service  # noqa: F401  (a person's complaints)
from tests.shop.conftest import shop  # noqa: F401  (a buyer's orders)
from tests.ticketing.conftest import tk  # noqa: F401  (a person's tickets)

roles = shared_fixtures.roles
_roles_committed = shared_fixtures._roles_committed


@pytest.fixture
def workflows(db, roles):
    """Every default workflow, as `setup_site` loads them (approval requests, budgets, repairs)."""
    from scenic_ops.workflow import setup

    setup.load()


@pytest.fixture
def org(make_user):
    """The engineering department with its head, a manager, finance; an engineer who asks."""
    from scenic_ops.core.models import Department

    engineering = Department.objects.create(code="engineering", name="工程运维部", name_en="Engineering")
    head = make_user("engineer", display_name="工程部长", department=engineering)
    engineering.head = head
    engineering.save()
    return type(
        "Org",
        (),
        {
            "engineering": engineering,
            "head": head,
            "asker": make_user("engineer", display_name="赵磊", department=engineering),
            "manager": make_user("manager", display_name="李慧敏"),
            "other_manager": make_user("manager", display_name="王副经理"),
            "finance": make_user("finance", display_name="郑芳"),
        },
    )


@pytest.fixture
def budget_line(org):
    """make(category, amount, control) -> an approved line of this year for engineering."""
    from scenic_ops.governance.models import Budget

    def make(category: str = "purchase", amount: str = "15000", control: str = "stop", **fields):
        return Budget.objects.create(
            title=fields.pop("title", f"工程部{category}"),
            fiscal_year=timezone.localdate().year,
            department=org.engineering,
            category=category,
            amount=Decimal(amount),
            control=control,
            state="approved",
            **fields,
        )

    return make
