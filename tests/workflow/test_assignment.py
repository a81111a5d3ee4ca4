"""Assignment rules: round robin, least open work, zone and skill; re-assignment recorded; unassigned visible."""

from __future__ import annotations

import pytest

from scenic_ops.core.models import Zone
from scenic_ops.workflow import services
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import AssignmentRule, DocumentTrack


def assignment_rule(**fields) -> AssignmentRule:
    fields.setdefault("name", f"assign-{AssignmentRule.objects.count() + 1}")
    fields.setdefault("document_type", "workflow.approvalrequest")
    return AssignmentRule.objects.create(**fields)


@pytest.fixture
def crew(make_user):
    return [make_user("engineer", username=f"eng-{i}") for i in range(3)]


def assignee_of(doc):
    return services.track_of(doc).assignee


def test_round_robin(make_workflow, make_request, make_user, crew):
    make_workflow()
    assignment_rule(role="engineer", strategy="round_robin")
    requester = make_user("ticket_clerk")
    got = [assignee_of(make_request(requester)).username for _ in range(4)]
    assert got == ["eng-0", "eng-1", "eng-2", "eng-0"]


def test_least_open_work(make_workflow, make_request, make_user, crew):
    make_workflow()
    requester = make_user("ticket_clerk")
    busy = [make_request(requester) for _ in range(3)]
    for doc, who in zip(busy, [crew[0], crew[0], crew[2]], strict=True):
        services.reassign(doc, who, make_user("sysadmin"))
    assignment_rule(role="engineer", strategy="least_open")
    assert assignee_of(make_request(requester)) == crew[1]
    # closed work does not count: close crew[0]'s documents
    DocumentTrack.objects.filter(assignee=crew[0]).update(is_open=False)
    assert assignee_of(make_request(requester)) == crew[0]


def test_zone_and_skill_match_then_fallback(make_workflow, make_request, make_user, crew):
    make_workflow()
    summit = Zone.objects.create(code="summit-t", name="主峰", kind="spot")
    lake = Zone.objects.create(code="lake-t", name="湖区", kind="area")
    crew[1].zones.set([summit])
    crew[2].zones.set([lake])
    assignment_rule(role="engineer", strategy="zone_skill")
    requester = make_user("ticket_clerk")
    assert assignee_of(make_request(requester, zone=summit)) == crew[1]
    assert assignee_of(make_request(requester, zone=lake)) == crew[2]
    nowhere = Zone.objects.create(code="nowhere", name="无人区", kind="area")
    doc = make_request(requester, zone=nowhere)
    assert assignee_of(doc) in crew  # nobody matches: least open work among the role
    assert "no one matches" in services.history(doc).get(kind="assign").comment


def test_condition_and_state_trigger_and_reassignment_recorded(make_workflow, make_request, make_user, crew):
    make_workflow()
    finance = make_user("finance")
    assignment_rule(role="engineer", strategy="round_robin", condition="amount < 1000")
    assignment_rule(role="finance", trigger="state", state="review", strategy="least_open")
    requester = make_user("ticket_clerk")
    big = make_request(requester, amount=5000)
    assert assignee_of(big) is None
    small = make_request(requester, amount=10)
    assert assignee_of(small) == crew[0]
    services.apply(small, "submit", requester)
    assert assignee_of(small) == finance
    entries = [(e.kind, e.action_label) for e in services.history(small) if e.kind in ("assign", "reassign")]
    assert entries[0][0] == "assign" and entries[1][0] == "reassign"
    assert str(crew[0]) in entries[1][1] and str(finance) in entries[1][1]


def test_manual_reassignment_needs_the_right(make_workflow, make_request, make_user, crew):
    make_workflow()
    requester = make_user("ticket_clerk")
    doc = make_request(requester)
    with pytest.raises(WorkflowError) as caught:
        services.reassign(doc, crew[0], requester)
    assert caught.value.status == 403
    dispatcher = make_user("dispatcher")
    services.reassign(doc, crew[0], dispatcher, "就近")
    entry = services.history(doc).get(kind="assign")
    assert entry.actor == dispatcher and entry.comment == "就近"
    with pytest.raises(WorkflowError) as caught:
        services.reassign(doc, crew[0], dispatcher)
    assert caught.value.code == Code.BAD_ASSIGNEE


def test_unassigned_work_is_listed(make_workflow, make_request, make_user, client):
    make_workflow()
    requester = make_user("ticket_clerk")
    doc = make_request(requester, title="没人管的申请")
    manager = make_user("manager")
    client.force_login(manager)
    page = client.get("/admin/workflow/documenttrack/?assigned=no&is_open__exact=1")
    assert page.status_code == 200
    assert "没人管的申请" in page.content.decode()
    services.reassign(doc, manager, manager)
    page = client.get("/admin/workflow/documenttrack/?assigned=no&is_open__exact=1")
    assert "没人管的申请" not in page.content.decode()


def test_a_rule_can_keep_a_qualified_assignee(make_workflow, make_request, make_user, crew):
    make_workflow()
    assignment_rule(role="engineer", strategy="round_robin")  # on create
    assignment_rule(role="engineer", trigger="state", state="review", strategy="least_open", keep_assignee=True)
    requester = make_user("ticket_clerk")
    doc = make_request(requester)
    first = assignee_of(doc)
    admin_user = make_user("sysadmin")
    for _ in range(3):  # the first engineer gets busier than the others
        busy = make_request(requester)
        if assignee_of(busy) != first:
            services.reassign(busy, first, admin_user)
    services.apply(doc, "submit", requester)
    assert assignee_of(doc) == first  # kept, although others have less open work
    # without the option the state rule hands it to the least busy engineer
    AssignmentRule.objects.filter(keep_assignee=True).update(keep_assignee=False)
    other = make_request(requester)
    if assignee_of(other) != first:
        services.reassign(other, first, admin_user)
    services.apply(other, "submit", requester)
    assert assignee_of(other) != first
