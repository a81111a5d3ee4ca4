"""Random action sequences only ever follow defined transitions (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenic_ops.workflow import services
from scenic_ops.workflow.errors import WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, WorkflowTransition

GRAPH = {
    "name": "random walk",
    "states": [
        {"code": "draft", "label": "草稿", "initial": True},
        {"code": "review", "label": "审批"},
        {"code": "board", "label": "会签"},
        {"code": "approved", "label": "通过", "final": True},
        {"code": "rejected", "label": "驳回", "final": True},
    ],
    "transitions": [
        {"from": "draft", "action": "submit", "label": "提交", "to": "review", "requester": True},
        {
            "from": "review",
            "action": "approve",
            "label": "批准",
            "to": "approved",
            "condition": "amount <= 5000",
            "roles": ["finance"],
            "self_approval": False,
        },
        {
            "from": "review",
            "action": "approve",
            "label": "上会",
            "to": "board",
            "condition": "amount > 5000",
            "roles": ["finance"],
            "self_approval": False,
        },
        {"from": "review", "action": "return", "label": "退回", "to": "draft", "roles": ["finance", "manager"]},
        {
            "from": "board",
            "action": "approve",
            "label": "会签同意",
            "to": "approved",
            "roles": ["manager", "security_auditor", "finance"],
            "mode": "quorum",
            "quorum": 2,
        },
        {
            "from": "board",
            "action": "reject",
            "label": "否决",
            "to": "rejected",
            "roles": ["manager", "security_auditor"],
            "comment_required": True,
        },
        {"from": "rejected", "action": "reopen", "label": "重开", "to": "draft", "roles": ["manager"]},
    ],
}

ACTORS = ["requester", "finance", "finance2", "manager", "auditor", "clerk", "requester_finance"]
ACTIONS = ["submit", "approve", "return", "reject", "reopen", "cancel"]
steps = st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(ACTIONS), st.booleans()), max_size=10)


@pytest.fixture
def world(make_workflow, make_user):
    workflow = make_workflow(GRAPH)
    users = {
        "requester": make_user("ticket_clerk"),
        "finance": make_user("finance"),
        "finance2": make_user("finance"),
        "manager": make_user("manager"),
        "auditor": make_user("security_auditor"),
        "clerk": make_user("ticket_clerk"),
        "requester_finance": make_user("finance"),
    }
    return users, list(WorkflowTransition.objects.filter(workflow=workflow))


@settings(
    max_examples=25,
    database=None,  # nothing written into the work tree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amount=st.sampled_from([100, 5000, 5001, 90000]),
    plan=steps,
    owner=st.sampled_from(["requester", "requester_finance"]),
)
def test_random_action_sequences_follow_defined_transitions(world, make_request, amount, plan, owner):
    users, transitions = world
    defined = {(t.from_state, t.action, t.to_state) for t in transitions}
    not_by_requester = {(t.from_state, t.action, t.to_state) for t in transitions if not t.allow_self_approval}
    doc = make_request(users[owner], amount=amount)
    for who, action, with_comment in plan:
        before_state = doc.state
        before_entries = ApprovalEntry.objects.filter(kind__in=["transition", "vote"]).count()
        try:
            outcome = services.apply(doc, action, users[who], "意见" if with_comment else "")
        except WorkflowError:
            doc.refresh_from_db()
            assert doc.state == before_state
            assert ApprovalEntry.objects.filter(kind__in=["transition", "vote"]).count() == before_entries
            continue
        doc.refresh_from_db()
        if outcome.moved:
            assert (before_state, action, doc.state) in defined
            if users[who] == users[owner]:
                assert (before_state, action, doc.state) not in not_by_requester
        else:
            assert doc.state == before_state and outcome.votes < outcome.needed
    moves = [e for e in services.history(doc) if e.kind in ("start", "transition")]
    for previous, current in zip(moves, moves[1:], strict=False):
        assert current.from_state == previous.to_state
        assert (current.from_state, current.action, current.to_state) in defined
    assert services.track_of(doc).state == doc.state
