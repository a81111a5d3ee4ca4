"""Two managers clicking at once: the document moves once and the loser is told clearly."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from scenic_ops.workflow import services
from scenic_ops.workflow.errors import WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, ApprovalRequest
from tests.workflow.test_approvals import committee


def race(calls) -> list[str]:
    """Run the calls in threads (one database connection each), released together."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = [""] * len(calls)

    def run(index, call):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            outcome = call()
            results[index] = "moved" if outcome.moved else "voted"
        except WorkflowError as exc:
            results[index] = f"{exc.code}: {exc.detail}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_applies_make_exactly_one_transition(make_workflow, make_request, make_user):
    make_workflow(committee("any", roles=["manager"]))
    requester = make_user("ticket_clerk")
    managers = [make_user("manager", display_name=f"经理{i}") for i in range(2)]
    for round_no in range(3):
        doc = make_request(requester)
        services.apply(doc, "submit", requester)
        # each manager has the document open in the state they saw
        a, b = (ApprovalRequest.objects.get(pk=doc.pk) for _ in range(2))
        actions = ("approve", "approve") if round_no != 1 else ("approve", "reject")
        results = race(
            [
                lambda d=a, act=actions[0]: services.apply(d, act, managers[0], "同意"),
                lambda d=b, act=actions[1]: services.apply(d, act, managers[1], "不同意"),
            ]
        )
        assert sorted(r.split(":")[0] for r in results) == ["moved", "workflow_state_changed"], results
        loser = next(r for r in results if r != "moved")
        winner = managers[results.index("moved")]
        assert str(winner) in loser  # the loser is told who moved it
        moves = ApprovalEntry.objects.filter(track__object_id=str(doc.pk), kind="transition", from_state="review")
        assert moves.count() == 1
        doc.refresh_from_db()
        assert doc.state == moves.get().to_state
        assert services.track_of(doc).state == doc.state


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_committee_approvals_are_both_counted(make_workflow, make_request, make_user):
    make_workflow(committee("all", roles=["manager", "finance"]))
    requester = make_user("ticket_clerk")
    manager, finance = make_user("manager"), make_user("finance")
    doc = make_request(requester)
    services.apply(doc, "submit", requester)
    a, b = (ApprovalRequest.objects.get(pk=doc.pk) for _ in range(2))
    results = race([lambda: services.apply(a, "approve", manager), lambda: services.apply(b, "approve", finance)])
    assert sorted(results) == ["moved", "voted"]
    doc.refresh_from_db()
    assert doc.state == "approved"
    assert ApprovalEntry.objects.filter(track__object_id=str(doc.pk), kind__in=["vote", "transition"]).count() == 3
