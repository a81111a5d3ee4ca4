"""Budget control at the moment of approval: Stop refuses, Warn passes flagged, the last yuan is
taken once under concurrency, a document without a budget line is refused."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from scenic_ops.core import notices
from scenic_ops.core.errors import DomainError
from scenic_ops.governance import services as governance
from scenic_ops.governance.models import Budget, BudgetEntry
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.models import ApprovalRequest

pytestmark = pytest.mark.django_db


def purchase(org, amount: str, *, title: str = "采购对讲机", category: str = "purchase") -> ApprovalRequest:
    """A purchase request of the engineering department, submitted and waiting for its head."""
    doc = ApprovalRequest.objects.create(
        title=title,
        amount=Decimal(amount),
        department=org.engineering,
        requester=org.asker,
        budget_category=category,
    )
    workflow.start(doc, org.asker)
    workflow.apply(doc, "submit", org.asker)
    doc.refresh_from_db()
    assert doc.state == "pending_head"
    return doc


def test_a_purchase_within_budget_is_committed_on_approval(workflows, org, budget_line):
    line = budget_line("purchase", "15000")
    doc = purchase(org, "8000")
    workflow.apply(doc, "approve", org.head)
    doc.refresh_from_db()
    line.refresh_from_db()
    assert doc.state == "approved"
    assert (line.committed, line.actual, line.remaining) == (Decimal("8000"), Decimal("0"), Decimal("7000"))
    entry = BudgetEntry.objects.get(source=f"workflow.approvalrequest:{doc.pk}")
    assert entry.budget == line and entry.kind == "commitment" and not entry.over_budget
    assert entry.actor == org.head


def test_over_budget_with_stop_is_refused_and_changes_nothing(workflows, org, budget_line):
    line = budget_line("purchase", "15000", control="stop")
    doc = purchase(org, "18000")
    workflow.apply(doc, "approve", org.head)  # over 10,000: on to the manager, nothing is spent yet
    doc.refresh_from_db()
    assert doc.state == "pending_manager" and not BudgetEntry.objects.exists()
    with pytest.raises(DomainError) as err:
        workflow.apply(doc, "approve", org.manager)
    assert err.value.code == "budget_exceeded" and err.value.status == 409
    assert "15000" in err.value.detail and "18000" in err.value.detail
    doc.refresh_from_db()
    line.refresh_from_db()
    assert doc.state == "pending_manager" and line.committed == 0 and not BudgetEntry.objects.exists()
    assert workflow.track_of(doc).state == "pending_manager"


def test_over_budget_with_warn_passes_with_a_warning(workflows, org, budget_line):
    line = budget_line("purchase", "15000", control="warn")
    doc = purchase(org, "18000")
    workflow.apply(doc, "approve", org.head)
    with notices.collected() as warnings:
        workflow.apply(doc, "approve", org.manager)
    doc.refresh_from_db()
    line.refresh_from_db()
    assert doc.state == "approved" and line.committed == Decimal("18000") and line.remaining == Decimal("-3000")
    entry = BudgetEntry.objects.get(budget=line)
    assert entry.over_budget and "3000" in entry.message
    assert len(warnings) == 1 and "3000" in warnings[0]


def test_a_document_whose_budget_line_cannot_be_resolved_is_refused(workflows, org, budget_line):
    budget_line("repair", "50000")  # a line, but not for purchases
    doc = purchase(org, "500")
    with pytest.raises(DomainError) as err:
        workflow.apply(doc, "approve", org.head)
    assert err.value.code == "budget_line_unknown"
    doc.refresh_from_db()
    assert doc.state == "pending_head" and not BudgetEntry.objects.exists()
    # a line still waiting for its own approval does not count either
    Budget.objects.create(
        title="草稿",
        fiscal_year=doc.created_at.year,
        department=org.engineering,
        category="purchase",
        amount=Decimal("9000"),
        state="dept_review",
    )
    with pytest.raises(DomainError) as err:
        workflow.apply(doc, "approve", org.head)
    assert err.value.code == "budget_line_unknown"


def test_a_request_that_spends_nothing_is_not_checked(workflows, org):
    doc = purchase(org, "3000", category="")
    workflow.apply(doc, "approve", org.head)
    doc.refresh_from_db()
    assert doc.state == "approved" and not BudgetEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_never_overrun_the_line(workflows, org, budget_line):
    """15,000 left, two 10,000 purchases approved by two managers at the same moment: one passes."""
    line = budget_line("purchase", "15000", control="stop")
    docs = [purchase(org, "10500", title=f"采购{i}") for i in range(2)]
    for doc in docs:
        workflow.apply(doc, "approve", org.head)
    managers = [org.manager, org.other_manager]
    start, out, lock = threading.Barrier(2), [], threading.Lock()

    def approve(i):
        try:
            doc = ApprovalRequest.objects.get(pk=docs[i].pk)
            start.wait()
            workflow.apply(doc, "approve", managers[i])
            result = "approved"
        except DomainError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            out.append(result)

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == ["approved", "budget_exceeded"]
    line.refresh_from_db()
    assert line.committed == Decimal("10500") and line.remaining == Decimal("4500")
    assert BudgetEntry.objects.filter(budget=line).count() == 1
    assert sorted(ApprovalRequest.objects.values_list("state", flat=True)) == ["approved", "pending_manager"]


def test_a_replayed_approval_books_once(org, budget_line):
    line = budget_line("purchase", "15000")
    for _ in range(2):
        governance.charge(
            source="workflow.approvalrequest:99",
            label="#99",
            department="engineering",
            category="purchase",
            amount=Decimal("4000"),
        )
    line.refresh_from_db()
    assert line.committed == Decimal("4000") and BudgetEntry.objects.count() == 1


def test_variance_uses_the_monthly_distribution(org, budget_line):
    line = budget_line("repair", "12000", monthly=["5"] * 10 + ["25", "25"])
    assert line.share_to(1) == Decimal("600.00") and line.share_to(10) == Decimal("6000.00")
    assert line.share_to(12) == Decimal("12000.00")
    even = budget_line("purchase", "12000")
    assert even.share_to(6) == Decimal("6000.00")
    governance.charge(
        source="x:1", label="#1", department="engineering", category="repair", amount=Decimal("7000"), kind="actual"
    )
    rows = {r.budget.pk: r for r in governance.variance(line.fiscal_year, month=10)}
    assert rows[line.pk].used == Decimal("7000") and rows[line.pk].variance == Decimal("-1000.00")
    assert rows[even.pk].variance == Decimal("10000.00")
