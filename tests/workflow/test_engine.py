"""The engine: roles, conditions, self-approval, multi-level approval, history, events, removed states."""

from __future__ import annotations

import copy

import pytest

from scenic_ops.core.models import AuditEvent, OutboxMessage
from scenic_ops.workflow import services
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, Webhook, WorkflowState, WorkflowTransition
from scenic_ops.workflow.services import webhooks
from tests.workflow.conftest import BASIC


@pytest.fixture
def people(make_user, make_department):
    requester = make_user("ticket_clerk")
    requester.department = make_department()
    requester.save()
    return {
        "requester": requester,
        "finance": make_user("finance"),
        "manager": make_user("manager"),
        "clerk": make_user("ticket_clerk"),
        "auditor": make_user("security_auditor"),
    }


def snapshot(doc):
    doc.refresh_from_db()
    return (
        doc.state,
        ApprovalEntry.objects.count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).count(),
    )


def test_a_small_request_moves_through_and_is_recorded(make_workflow, make_request, people):
    make_workflow()
    doc = make_request(people["requester"], amount="3000")
    assert doc.state == "draft"
    services.apply(doc, "submit", people["requester"])
    outcome = services.apply(doc, "approve", people["finance"], "ok")
    assert outcome.moved and doc.state == "approved"
    doc.refresh_from_db()
    assert doc.state == "approved"
    history = list(services.history(doc))
    assert [(e.kind, e.from_state, e.to_state) for e in history] == [
        ("start", "", "draft"),
        ("transition", "draft", "review"),
        ("transition", "review", "approved"),
    ]
    assert history[-1].actor == people["finance"] and history[-1].comment == "ok"
    track = services.track_of(doc)
    assert not track.is_open and track.state == "approved"
    audit = AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_id=str(doc.pk)).first()
    assert audit.changes == {"state": ["review", "approved"]} and audit.actor == people["finance"]


WITH_URGENT_PATH = copy.deepcopy(BASIC)
WITH_URGENT_PATH["transitions"].append(
    {
        "from": "review",
        "action": "fast_track",
        "label": "加急",
        "to": "approved",
        "condition": 'priority == "urgent" and amount < 20000',
        "roles": ["manager"],
    }
)

# (who, amount, priority, action, comment) -> the state reached, or the refusal's code
CASES = [
    ("finance", 3000, "normal", "approve", "", "approved"),
    ("finance", 5000, "normal", "approve", "", "approved"),
    ("finance", 5000.01, "normal", "approve", "", "big_review"),
    ("finance", 80000, "normal", "approve", "", "big_review"),
    ("clerk", 3000, "normal", "approve", "", Code.NOT_ALLOWED),
    ("manager", 3000, "normal", "approve", "", Code.NOT_ALLOWED),
    ("requester", 3000, "normal", "approve", "", Code.NOT_ALLOWED),
    ("manager", 3000, "normal", "reject", "no budget", "rejected"),
    ("finance", 3000, "normal", "reject", "", Code.COMMENT_REQUIRED),
    ("clerk", 3000, "normal", "reject", "x", Code.NOT_ALLOWED),
    ("finance", 3000, "normal", "submit", "", Code.UNKNOWN_ACTION),
    ("finance", 3000, "normal", "no_such_action", "", Code.UNKNOWN_ACTION),
    ("manager", 3000, "urgent", "fast_track", "", "approved"),
    ("manager", 3000, "normal", "fast_track", "", Code.CONDITION_FALSE),
    ("manager", 30000, "urgent", "fast_track", "", Code.CONDITION_FALSE),
    ("finance", 3000, "urgent", "fast_track", "", Code.NOT_ALLOWED),
]


@pytest.mark.parametrize(("who", "amount", "priority", "action", "comment", "expected"), CASES)
def test_role_and_condition_checks(
    make_workflow, make_request, people, who, amount, priority, action, comment, expected
):
    make_workflow(WITH_URGENT_PATH)
    doc = make_request(people["requester"], amount=amount, priority=priority)
    services.apply(doc, "submit", people["requester"])
    listed = {a.action for a in services.available_actions(doc, people[who])}
    before = snapshot(doc)
    if expected in Code.__members__.values():
        with pytest.raises(WorkflowError) as caught:
            services.apply(doc, action, people[who], comment)
        assert caught.value.code == expected
        assert caught.value.status in (400, 403)
        assert snapshot(doc) == before  # nothing changed
        if expected != Code.COMMENT_REQUIRED:
            assert action not in listed
    else:
        assert action in listed
        outcome = services.apply(doc, action, people[who], comment)
        doc.refresh_from_db()
        assert outcome.moved and doc.state == expected


def test_refusals_say_why(make_workflow, make_request, people):
    make_workflow(WITH_URGENT_PATH)
    doc = make_request(people["requester"], amount=3000)
    services.apply(doc, "submit", people["requester"])
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "approve", people["clerk"])
    assert caught.value.status == 403
    assert "财务" in caught.value.detail or "Finance" in caught.value.detail
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "fast_track", people["manager"])
    assert 'priority == "urgent"' in caught.value.detail


def test_self_approval_off_blocks_the_creator(make_workflow, make_request, make_user, people):
    make_workflow()
    creator = make_user("ticket_clerk", "finance")  # could approve, had someone else raised it
    creator.department = people["requester"].department
    creator.save()
    doc = make_request(creator, amount=3000)
    services.apply(doc, "submit", creator)
    assert "approve" not in {a.action for a in services.available_actions(doc, creator)}
    before = snapshot(doc)
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "approve", creator)
    assert caught.value.code == Code.SELF_APPROVAL and caught.value.status == 403
    assert snapshot(doc) == before
    # the same person may approve another's request, and with self-approval on, their own
    other = make_request(people["requester"], amount=3000)
    services.apply(other, "submit", people["requester"])
    assert services.apply(other, "approve", creator).moved
    WorkflowTransition.objects.filter(action="approve").update(allow_self_approval=True)
    doc = type(doc).objects.get(pk=doc.pk)
    assert services.apply(doc, "approve", creator).moved


def test_reject_with_comment_is_required_and_recorded(make_workflow, make_request, people):
    make_workflow()
    doc = make_request(people["requester"])
    services.apply(doc, "submit", people["requester"])
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "reject", people["finance"], "   ")
    assert caught.value.code == Code.COMMENT_REQUIRED
    services.apply(doc, "reject", people["finance"], "预算不足")
    assert services.history(doc).last().comment == "预算不足"


MULTI_LEVEL = {
    "name": "budget levels",
    "states": [
        {"code": "draft", "label": "草稿", "initial": True},
        {"code": "head", "label": "部门负责人"},
        {"code": "manager", "label": "景区经理"},
        {"code": "gm", "label": "总经理"},
        {"code": "approved", "label": "已批准", "final": True},
    ],
    "transitions": [
        {"from": "draft", "action": "submit", "label": "提交", "to": "head", "requester": True},
        {
            "from": "head",
            "action": "approve",
            "label": "批准",
            "to": "approved",
            "condition": "amount <= 50000",
            "department_head": True,
            "self_approval": False,
        },
        {
            "from": "head",
            "action": "approve",
            "label": "批准",
            "to": "manager",
            "condition": "amount > 50000",
            "department_head": True,
            "self_approval": False,
        },
        {
            "from": "manager",
            "action": "approve",
            "label": "批准",
            "to": "approved",
            "condition": "amount <= 200000",
            "roles": ["manager"],
        },
        {
            "from": "manager",
            "action": "approve",
            "label": "批准",
            "to": "gm",
            "condition": "amount > 200000",
            "roles": ["manager"],
        },
        {"from": "gm", "action": "approve", "label": "批准", "to": "approved", "departments": ["gm-office"]},
    ],
}


@pytest.mark.parametrize(
    ("amount", "levels"),
    [(30000, ["head"]), (120000, ["head", "manager"]), (250000, ["head", "manager", "gm"])],
)
def test_multi_level_approval_reaches_final_state_only_after_the_last_level(
    make_workflow, make_request, make_user, make_department, amount, levels
):
    make_workflow(MULTI_LEVEL)
    head, manager, gm = make_user("engineer"), make_user("manager"), make_user("engineer")
    make_department(head=gm, code="gm-office")
    requester = make_user("engineer", department=make_department(head=head))
    approver_at = {"head": head, "manager": manager, "gm": gm}
    doc = make_request(requester, amount=amount)
    services.apply(doc, "submit", requester)
    for index, level in enumerate(levels):
        assert doc.state == level
        assert services.track_of(doc).is_open
        # nobody but this level's approver may approve here
        others = [u for name, u in approver_at.items() if name != level]
        for other in others:
            assert "approve" not in {a.action for a in services.available_actions(doc, other)}
        services.apply(doc, "approve", approver_at[level])
        if index < len(levels) - 1:
            assert doc.state != "approved"
    assert doc.state == "approved"
    assert [e.from_state for e in services.history(doc) if e.kind == "transition"][1:] == levels


DYNAMIC = {
    "name": "dynamic approvers",
    "states": [
        {"code": "open", "label": "开", "initial": True},
        {"code": "done", "label": "完", "final": True},
    ],
    "transitions": [
        {"from": "open", "action": "by_head", "label": "负责人", "to": "done", "department_head": True},
        {"from": "open", "action": "by_manager", "label": "上级", "to": "done", "requester_manager": True},
        {"from": "open", "action": "by_field", "label": "字段", "to": "done", "approver_field": "requester"},
        {"from": "open", "action": "by_dept", "label": "指定部门", "to": "done", "departments": ["named"]},
    ],
}


def test_dynamic_approvers(make_workflow, make_request, make_user, make_department):
    make_workflow(DYNAMIC)
    head, boss, named_head, stranger = (make_user("engineer") for _ in range(4))
    make_department(head=named_head, code="named")
    requester = make_user("engineer", department=make_department(head=head))
    requester.manager = boss
    requester.save()
    doc = make_request(requester)

    def actions(user):
        return {a.action for a in services.available_actions(doc, user)}

    assert actions(head) == {"by_head"}
    assert actions(boss) == {"by_manager"}
    assert actions(requester) == {"by_field"}
    assert actions(named_head) == {"by_dept"}
    assert actions(stranger) == set()
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "by_manager", head)
    assert caught.value.code == Code.NOT_ALLOWED
    assert services.apply(doc, "by_manager", boss).moved


def test_a_transition_may_allow_several_roles(make_workflow, make_request, people):
    make_workflow()
    doc = make_request(people["requester"])
    services.apply(doc, "submit", people["requester"])
    for who in ("finance", "manager"):
        assert "reject" in {a.action for a in services.available_actions(doc, people[who])}


def test_stale_document_gets_a_clear_conflict(make_workflow, make_request, people, make_user):
    make_workflow()
    doc = make_request(people["requester"])
    services.apply(doc, "submit", people["requester"])
    seen_by_a = type(doc).objects.get(pk=doc.pk)
    seen_by_b = type(doc).objects.get(pk=doc.pk)
    other_finance = make_user("finance", display_name="钱会计")
    services.apply(seen_by_a, "approve", other_finance)
    with pytest.raises(WorkflowError) as caught:
        services.apply(seen_by_b, "reject", people["manager"], "too late")
    assert caught.value.code == Code.STATE_CHANGED and caught.value.status == 409
    assert "钱会计" in caught.value.detail
    assert services.history(doc).filter(kind="transition").count() == 2


def test_events_reach_webhooks_through_the_outbox_in_the_same_transaction(make_workflow, make_request, people):
    make_workflow()
    hook = Webhook(
        name="erp", document_type="workflow.approvalrequest", events=["transition"], url="https://erp.example/hook"
    )
    webhooks.set_secret(hook, "s3cret")
    hook.save()
    doc = make_request(people["requester"])
    services.apply(doc, "submit", people["requester"])
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.payload["action"] == "submit" and message.payload["to_state"] == "review"
    assert message.payload["_signing_secret"] == "s3cret"  # the gateway signs with it and strips it
    assert b"s3cret" not in bytes(hook.secret_enc)
    assert message.payload["document_id"] == str(doc.pk)
    before = OutboxMessage.objects.count()
    with pytest.raises(WorkflowError):
        services.apply(doc, "approve", people["clerk"])
    assert OutboxMessage.objects.count() == before


def test_the_domain_hook_is_called(make_workflow, make_request, people):
    from scenic_ops.workflow import registry

    seen = []
    spec = registry.get("workflow.approvalrequest")
    own, spec.on_event = spec.on_event, seen.append
    try:
        make_workflow()
        doc = make_request(people["requester"])
        services.apply(doc, "submit", people["requester"])
    finally:
        spec.on_event = own  # the document's own reaction (its budget check) is put back
    assert [(e.name, e.to_state) for e in seen] == [
        ("created", "draft"),
        ("state_entered", "draft"),
        ("transition", "review"),
        ("state_entered", "review"),
    ]


def test_edit_roles_per_state(make_workflow, make_request, people):
    workflow = make_workflow()
    WorkflowState.objects.filter(workflow=workflow, code="review").update(edit_roles=["finance"])
    doc = make_request(people["requester"])
    assert services.can_edit(doc, people["requester"])
    assert not services.can_edit(doc, people["clerk"])
    services.apply(doc, "submit", people["requester"])
    assert not services.can_edit(doc, people["requester"])
    assert services.can_edit(doc, people["finance"])


def test_documents_in_a_removed_state_stay_visible_and_an_administrator_moves_them(
    make_workflow, make_request, people, make_user
):
    workflow = make_workflow()
    doc = make_request(people["requester"], amount=9000)
    services.apply(doc, "submit", people["requester"])
    services.apply(doc, "approve", people["finance"])
    assert doc.state == "big_review"
    WorkflowTransition.objects.filter(workflow=workflow).filter(from_state="big_review").delete()
    WorkflowTransition.objects.filter(workflow=workflow, to_state="big_review").delete()
    WorkflowState.objects.filter(workflow=workflow, code="big_review").delete()

    doc = type(doc).objects.get(pk=doc.pk)
    track = services.track_of(doc)
    assert track.state == "big_review" and track.state_removed and track.is_open
    assert services.available_actions(doc, people["manager"]) == []
    with pytest.raises(WorkflowError) as caught:
        services.apply(doc, "approve", people["manager"])
    assert caught.value.code == Code.REMOVED_STATE
    with pytest.raises(WorkflowError) as caught:
        services.force_state(doc, "approved", people["manager"], "migrated")
    assert caught.value.code == Code.NOT_ADMIN and caught.value.status == 403
    admin = make_user("sysadmin")
    with pytest.raises(WorkflowError):
        services.force_state(doc, "approved", admin, "")  # a reason is required
    entry = services.force_state(doc, "approved", admin, "审批流程调整，按原经理意见通过")
    doc.refresh_from_db()
    assert doc.state == "approved" and entry.kind == "force" and entry.from_label == "big_review"
    assert not services.track_of(doc).is_open
