"""A repair's cost against the engineering repair budget: the manager's cost approval is checked;
small work done without a cost approval is recorded, flagged, never refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scenic_ops.core.errors import DomainError
from scenic_ops.governance.models import BudgetEntry
from scenic_ops.operations.services import repairs
from scenic_ops.workflow import services as workflow
from tests.operations.conftest import make_asset, ops  # noqa: F401, F811  (the operations fixtures)

pytestmark = pytest.mark.django_db


def finished(ticket, org, dispatcher):
    workflow.apply(ticket, "accept", dispatcher)
    ticket.refresh_from_db()
    engineer = ticket.assignee
    repairs.crew_action(ticket, engineer, "start", client_id=f"start-{ticket.pk:07d}")
    repairs.crew_action(ticket, engineer, "finish", note="修好了", client_id=f"finish-{ticket.pk:06d}")
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def site(ops, org, make_asset, make_user):  # noqa: F811
    gate = make_asset("gate", department=org.engineering)
    return type("Site", (), {"gate": gate, "dispatcher": make_user("dispatcher"), "inspector": make_user("inspector")})


def test_a_repair_cost_over_a_stop_budget_is_refused_and_with_warn_passes_flagged(site, org, budget_line):
    line = budget_line("repair", "10000", control="stop")
    ticket = repairs.report(
        title="闸机主板烧毁", asset=site.gate, reported_by=site.inspector, estimated_cost="12000", priority="high"
    )
    ticket = finished(ticket, org, site.dispatcher)
    assert ticket.state == "cost_review"
    with pytest.raises(DomainError) as err:
        workflow.apply(ticket, "approve", org.manager, "同意")
    assert err.value.code == "budget_exceeded"
    ticket.refresh_from_db()
    line.refresh_from_db()
    assert ticket.state == "cost_review" and line.actual == 0 and not BudgetEntry.objects.exists()

    line.control = "warn"
    line.save()
    workflow.apply(ticket, "approve", org.manager, "同意，超预算部分下季度调剂")
    ticket.refresh_from_db()
    line.refresh_from_db()
    assert ticket.state == "done" and line.actual == Decimal("12000")
    entry = BudgetEntry.objects.get(source=f"operations.repairticket:{ticket.pk}")
    assert entry.kind == "actual" and entry.over_budget and entry.actor == org.manager


def test_small_work_without_a_cost_approval_is_recorded_never_refused(site, org, budget_line):
    ticket = repairs.report(title="更换闸机指示灯", asset=site.gate, reported_by=site.inspector, estimated_cost="800")
    ticket = finished(ticket, org, site.dispatcher)
    assert ticket.state == "done"  # no line at all: the work stands, kept as unbudgeted spending
    entry = BudgetEntry.objects.get(source=f"operations.repairticket:{ticket.pk}")
    assert entry.budget is None and entry.over_budget and entry.amount == Decimal("800")
    line = budget_line("repair", "500", control="stop")
    ticket = repairs.report(title="更换闸机读卡头", asset=site.gate, reported_by=site.inspector, estimated_cost="900")
    ticket = finished(ticket, org, site.dispatcher)
    line.refresh_from_db()
    assert ticket.state == "done" and line.actual == Decimal("900")
    assert BudgetEntry.objects.get(source=f"operations.repairticket:{ticket.pk}").over_budget
