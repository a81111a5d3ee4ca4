"""Approvals beyond the usual engines: committees (all of N, K of N), one rejection rejects, delegation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scenic_ops.workflow import services
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import Delegation, WorkflowTransition


def committee(mode: str, quorum: int = 1, roles=(), users=()):
    return {
        "name": "committee",
        "states": [
            {"code": "draft", "label": "草稿", "initial": True},
            {"code": "review", "label": "评审"},
            {"code": "approved", "label": "通过", "final": True},
            {"code": "rejected", "label": "否决", "final": True},
        ],
        "transitions": [
            {"from": "draft", "action": "submit", "label": "提交", "to": "review", "requester": True},
            {
                "from": "review",
                "action": "approve",
                "label": "同意",
                "to": "approved",
                "roles": list(roles),
                "users": list(users),
                "mode": mode,
                "quorum": quorum,
                "self_approval": False,
            },
            {
                "from": "review",
                "action": "reject",
                "label": "否决",
                "to": "rejected",
                "roles": list(roles),
                "users": list(users),
                "comment_required": True,
            },
            {"from": "rejected", "action": "reopen", "label": "重新提交", "to": "review", "requester": True},
        ],
    }


@pytest.fixture
def board(make_user):
    return {
        "requester": make_user("ticket_clerk"),
        "security": make_user("security"),
        "auditor": make_user("security_auditor"),
        "manager": make_user("manager"),
        "manager2": make_user("manager"),
    }


def test_all_of_n_roles_must_approve(make_workflow, make_request, board):
    make_workflow(committee("all", roles=["security", "security_auditor", "manager"]))
    doc = make_request(board["requester"])
    services.apply(doc, "submit", board["requester"])

    first = services.apply(doc, "approve", board["security"], "同意")
    assert not first.moved and (first.votes, first.needed) == (1, 3) and doc.state == "review"
    action = next(a for a in services.available_actions(doc, board["manager"]) if a.action == "approve")
    assert (action.votes, action.needed) == (1, 3)

    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "approve", board["security"])
    assert caught.value.code == Code.ALREADY_VOTED
    assert "approve" not in {a.action for a in services.available_actions(doc, board["security"])}

    assert not services.apply(doc, "approve", board["manager"]).moved
    with pytest.raises(WorkflowError) as caught:  # the manager seat is taken
        services.apply(doc, "approve", board["manager2"])
    assert caught.value.code == Code.SEAT_FILLED

    last = services.apply(doc, "approve", board["auditor"])
    assert last.moved and doc.state == "approved" and (last.votes, last.needed) == (3, 3)
    kinds = [e.kind for e in services.history(doc)]
    assert kinds == ["start", "transition", "vote", "vote", "transition"]


def test_any_k_of_n_named_approvers(make_workflow, make_request, make_user):
    members = [make_user("engineer", username=f"member-{i}") for i in range(4)]
    requester = make_user("engineer")
    make_workflow(committee("quorum", quorum=2, users=[m.username for m in members]))
    doc = make_request(requester)
    services.apply(doc, "submit", requester)
    outsider = make_user("engineer")
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "approve", outsider)
    assert caught.value.code == Code.NOT_ALLOWED
    assert not services.apply(doc, "approve", members[2]).moved
    assert services.apply(doc, "approve", members[0]).moved
    assert doc.state == "approved"


def test_one_rejection_rejects_and_a_new_round_needs_new_approvals(make_workflow, make_request, board):
    make_workflow(committee("all", roles=["security", "security_auditor", "manager"]))
    doc = make_request(board["requester"])
    services.apply(doc, "submit", board["requester"])
    services.apply(doc, "approve", board["security"])
    services.apply(doc, "approve", board["manager"])
    assert services.apply(doc, "reject", board["auditor"], "整改方案不充分").moved
    assert doc.state == "rejected"
    services.apply(doc, "reopen", board["requester"])
    # previous approvals belong to the previous round
    outcome = services.apply(doc, "approve", board["security"])
    assert not outcome.moved and outcome.votes == 1


def test_delegated_approval_shows_both_names(make_workflow, make_request, make_user):
    make_workflow(committee("any", roles=["manager"]))
    manager = make_user("manager", display_name="李经理")
    deputy = make_user("engineer", display_name="赵工")
    requester = make_user("ticket_clerk")
    doc = make_request(requester)
    services.apply(doc, "submit", requester)
    assert services.available_actions(doc, deputy) == []

    now = timezone.now()
    Delegation.objects.create(
        principal=manager, delegate=deputy, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=3)
    )
    actions = {a.action: a for a in services.available_actions(doc, deputy)}
    assert actions["approve"].on_behalf_of == "李经理"
    outcome = services.apply(doc, "approve", deputy, "经理休假，代为审批")
    assert outcome.moved
    entry = outcome.entry
    assert entry.actor == deputy and entry.on_behalf_of == manager
    assert "赵工" in entry.actor_display and "李经理" in entry.actor_display


def test_delegation_only_within_its_period_and_document_types(make_workflow, make_request, make_user):
    make_workflow(committee("any", roles=["manager"]))
    manager, deputy, requester = make_user("manager"), make_user("engineer"), make_user("ticket_clerk")
    doc = make_request(requester)
    services.apply(doc, "submit", requester)
    now = timezone.now()
    expired = Delegation.objects.create(
        principal=manager, delegate=deputy, starts_at=now - dt.timedelta(days=5), ends_at=now - dt.timedelta(days=1)
    )
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "approve", deputy)
    assert caught.value.code == Code.NOT_ALLOWED
    expired.ends_at = now + dt.timedelta(days=1)
    expired.document_types = ["operations.repairticket"]
    expired.save()
    assert services.available_actions(doc, deputy) == []
    expired.document_types = []
    expired.revoked_at = now
    expired.save()
    assert services.available_actions(doc, deputy) == []


def test_a_delegate_cannot_approve_their_principals_own_request(make_workflow, make_request, make_user):
    make_workflow(committee("any", roles=["manager"]))
    manager, deputy = make_user("manager"), make_user("manager")
    doc = make_request(manager)
    services.apply(doc, "submit", manager)
    now = timezone.now()
    Delegation.objects.create(
        principal=manager, delegate=deputy, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    # the deputy approves in their own right (also a manager), never "for" the requester
    action = next(a for a in services.available_actions(doc, deputy) if a.action == "approve")
    assert action.on_behalf_of == ""
    WorkflowTransition.objects.filter(action="approve").update(allowed_roles=[])
    WorkflowTransition.objects.get(action="approve").allowed_users.set([manager])
    with pytest.raises(WorkflowError) as caught:
        services.apply(type(doc).objects.get(pk=doc.pk), "approve", deputy)
    assert caught.value.code == Code.SELF_APPROVAL
