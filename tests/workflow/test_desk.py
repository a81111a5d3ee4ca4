"""The desk: workflows and rules are checked when saved; documents show their actions; the inbox; permissions."""

from __future__ import annotations

import pytest

from scenic_ops.core.roles import load_matrix
from scenic_ops.workflow import services
from scenic_ops.workflow.models import (
    NotificationRule,
    Workflow,
    WorkflowState,
    WorkflowTransition,
)

DOC = "workflow.approvalrequest"

STATES = [
    {"code": "new", "label": "新建", "label_en": "New", "is_initial": "on", "requester_may_edit": "on"},
    {"code": "check", "label": "审核", "label_en": "Check"},
    {"code": "ok", "label": "通过", "label_en": "OK", "is_final": "on"},
]
TRANSITIONS = [
    {"from_state": "new", "action": "send", "label": "送审", "to_state": "check", "requester": "on"},
    {
        "from_state": "check",
        "action": "pass",
        "label": "通过",
        "to_state": "ok",
        "allowed_roles": ["manager"],
        "condition": "amount > 1000",
    },
]


def formset(prefix: str, rows: list[dict], defaults: dict) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in {**defaults, **row}.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def workflow_post(name="desk workflow", states=STATES, transitions=TRANSITIONS, **fields):
    data = {"name": name, "document_type": DOC, "state_field": "state", "is_active": "on", "description": ""}
    data.update(fields)
    data.update(formset("states", states, {"colour": "grey", "position": "0"}))
    data.update(
        formset(
            "transitions",
            transitions,
            {"approval_mode": "any", "quorum": "1", "position": "0", "allow_self_approval": "on"},
        )
    )
    return data


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("sysadmin"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are checked in English; zh is the default
    return client


def test_a_workflow_is_built_in_the_desk(admin_client):
    response = admin_client.post("/admin/workflow/workflow/add/", workflow_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    workflow = Workflow.objects.get(name="desk workflow")
    assert list(workflow.states.values_list("code", flat=True)) == ["new", "check", "ok"]
    transition = WorkflowTransition.objects.get(workflow=workflow, action="pass")
    assert transition.allowed_roles == ["manager"] and transition.condition == "amount > 1000"


def errors_of(response) -> str:
    return response.content.decode()


def test_an_invalid_condition_is_refused_saying_where(admin_client):
    bad = [TRANSITIONS[0], {**TRANSITIONS[1], "condition": "amount > 1000 and prioritty == 'urgent'"}]
    response = admin_client.post("/admin/workflow/workflow/add/", workflow_post(transitions=bad))
    assert response.status_code == 200
    page = errors_of(response)
    assert "column 19: unknown field “prioritty”" in page
    assert not Workflow.objects.filter(name="desk workflow").exists()


@pytest.mark.parametrize(
    ("states", "transitions", "words"),
    [
        (STATES, [TRANSITIONS[0], {**TRANSITIONS[1], "to_state": "okk"}], ["unknown state “okk”"]),
        (
            [{**STATES[0]}, {**STATES[1], "is_initial": "on"}, STATES[2]],
            TRANSITIONS,
            ["exactly one initial state", "new, check"],
        ),
        (
            STATES + [{"code": "lost", "label": "孤立", "is_final": "on"}],
            TRANSITIONS,
            ["cannot be reached from the initial state: lost"],
        ),
        (STATES, [TRANSITIONS[0], {**TRANSITIONS[1], "allowed_roles": []}], ["transition 2 (pass): say who may"]),
    ],
)
def test_a_broken_graph_is_refused(admin_client, states, transitions, words):
    response = admin_client.post("/admin/workflow/workflow/add/", workflow_post(states=states, transitions=transitions))
    assert response.status_code == 200
    page = errors_of(response)
    for word in words:
        assert word in page
    assert not Workflow.objects.filter(name="desk workflow").exists()


def test_only_one_active_workflow_per_document_type(admin_client, make_workflow):
    make_workflow()
    response = admin_client.post("/admin/workflow/workflow/add/", workflow_post())
    assert response.status_code == 200 and not Workflow.objects.filter(name="desk workflow").exists()
    response = admin_client.post("/admin/workflow/workflow/add/", workflow_post(is_active=""))
    assert response.status_code == 302


def notification_post(**fields):
    data = {
        "name": "desk rule",
        "document_type": DOC,
        "enabled": "on",
        "event": "state_entered",
        "state": "",
        "action": "",
        "field": "",
        "days": "0",
        "condition": "",
        "recipient_field": "",
        "to_requester": "on",
        "in_app": "on",
        "wecom_webhook": "",
        "subject": "{{ title }}",
        "subject_en": "",
        "message": "",
        "message_en": "",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"message": "金额 {{ amout }} 元"}, ["amout", "column 4"]),
        ({"subject": "{{ requester.password }}"}, ["requester.password"]),
        ({"condition": "amount >"}, ["syntax"]),
        ({"event": "days_before", "field": "title"}, ["needed_by"]),
    ],
)
def test_a_bad_template_or_condition_is_refused_in_a_notification_rule(admin_client, fields, words):
    response = admin_client.post("/admin/workflow/notificationrule/add/", notification_post(**fields))
    assert response.status_code == 200
    page = errors_of(response)
    for word in words:
        assert word in page
    assert not NotificationRule.objects.exists()


def test_a_good_notification_rule_saves(admin_client):
    response = admin_client.post("/admin/workflow/notificationrule/add/", notification_post(message="{{ amount }} 元"))
    assert response.status_code == 302
    assert NotificationRule.objects.get().message == "{{ amount }} 元"


def test_the_document_page_shows_actions_and_history_and_acts(client, make_workflow, make_request, make_user):
    make_workflow()
    requester, finance = make_user("ticket_clerk"), make_user("finance")
    doc = make_request(requester, amount=3000, title="更换打印机")
    services.apply(doc, "submit", requester)
    client.force_login(finance)
    page = client.get(f"/admin/workflow/approvalrequest/{doc.pk}/change/").content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page
    assert 'id="workflow-history"' in page
    apply_url = f"/admin/workflow/approvalrequest/{doc.pk}/workflow/apply/"
    response = client.post(apply_url, {"action": "reject", "state": "review", "comment": ""}, follow=True)
    doc.refresh_from_db()
    assert doc.state == "review"  # a comment is required: refused, nothing changed
    assert "comment" in response.content.decode() or "意见" in response.content.decode()
    client.post(apply_url, {"action": "approve", "state": "review", "comment": "同意"})
    doc.refresh_from_db()
    assert doc.state == "approved"
    # a second click from a page showing the old state is refused with who moved it
    response = client.post(apply_url, {"action": "approve", "state": "review"}, follow=True)
    assert str(finance) in response.content.decode()


def test_the_state_field_cannot_be_edited_and_edit_roles_apply(client, make_workflow, make_request, make_user):
    make_workflow()
    requester = make_user("ticket_clerk")
    doc = make_request(requester, amount=3000, title="原标题")
    client.force_login(requester)
    form = {"title": "新标题", "amount": "3000", "priority": "normal", "description": "", "state": "approved"}
    response = client.post(f"/admin/workflow/approvalrequest/{doc.pk}/change/", form)
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.title == "新标题" and doc.state == "draft"
    services.apply(doc, "submit", requester)
    response = client.post(f"/admin/workflow/approvalrequest/{doc.pk}/change/", {**form, "title": "再改"})
    doc.refresh_from_db()
    assert doc.title == "新标题"  # read-only while in review


def test_creating_a_request_in_the_desk_starts_its_workflow(client, make_workflow, make_user):
    make_workflow()
    requester = make_user("ticket_clerk")
    client.force_login(requester)
    form = {"title": "台账打印", "amount": "88", "priority": "normal", "description": ""}
    assert client.post("/admin/workflow/approvalrequest/add/", form).status_code == 302
    from scenic_ops.workflow.models import ApprovalRequest

    doc = ApprovalRequest.objects.get(title="台账打印")
    assert doc.requester == requester and doc.state == "draft"
    assert services.history(doc).get().kind == "start"


def test_administrator_moves_a_document_out_of_a_removed_state(client, make_workflow, make_request, make_user):
    workflow = make_workflow()
    requester, finance = make_user("ticket_clerk"), make_user("finance")
    doc = make_request(requester, amount=9000)
    services.apply(doc, "submit", requester)
    services.apply(doc, "approve", finance)
    WorkflowTransition.objects.filter(workflow=workflow, from_state="big_review").delete()
    WorkflowTransition.objects.filter(workflow=workflow, to_state="big_review").delete()
    WorkflowState.objects.filter(workflow=workflow, code="big_review").delete()
    admin = make_user("sysadmin")
    client.force_login(admin)
    page = client.get(f"/admin/workflow/approvalrequest/{doc.pk}/change/").content.decode()
    assert "big_review" in page and 'id="workflow-force"' in page
    client.post(
        f"/admin/workflow/approvalrequest/{doc.pk}/workflow/force/", {"state": "approved", "comment": "流程调整"}
    )
    doc.refresh_from_db()
    assert doc.state == "approved"


def test_the_inbox_page_lists_acts_and_bulk_approves(client, make_workflow, make_request, make_user):
    make_workflow()
    requester, finance = make_user("ticket_clerk"), make_user("finance")
    docs = [make_request(requester, amount=100, title=f"单据{i}") for i in range(3)]
    for doc in docs:
        services.apply(doc, "submit", requester)
    client.force_login(finance)
    page = client.get("/workflow/inbox/").content.decode()
    assert all(f'data-document="{DOC}:{d.pk}"' in page for d in docs)
    client.post("/workflow/inbox/", {"document_type": DOC, "id": docs[0].pk, "state": "review", "action": "approve"})
    docs[0].refresh_from_db()
    assert docs[0].state == "approved"
    client.post(
        "/workflow/inbox/",
        {"bulk": "1", "bulk_action": "approve", "select": [f"{DOC}:{d.pk}" for d in docs[1:]], "comment": "批量同意"},
    )
    assert {type(d).objects.get(pk=d.pk).state for d in docs} == {"approved"}
    assert "inbox-empty" in client.get("/workflow/inbox/").content.decode()
    assert client.get("/admin/workflow/inboxentry/").url == "/workflow/inbox/"


def test_the_inbox_needs_a_login(client):
    response = client.get("/workflow/inbox/")
    assert response.status_code == 302 and "/admin/login/" in response.url


MATRIX = load_matrix()
WORKFLOW_MODELS = sorted(k for k in MATRIX.models if k.startswith("workflow."))
EVERY_ROLE = [r["code"] for r in MATRIX.roles]


def test_admin_pages_follow_the_permission_matrix(client, make_user):
    from django.apps import apps
    from django.contrib import admin
    from django.test import RequestFactory

    users = {role: make_user(role) for role in EVERY_ROLE}
    for model in WORKFLOW_MODELS:
        model_admin = admin.site._registry.get(apps.get_model(model))
        if model_admin is None:  # states, transitions, SLA targets: inlines on their parent's page
            continue
        for role, user in users.items():
            request = RequestFactory().get("/admin/")
            request.user = user
            allowed = "v" in MATRIX.models[model].get(role, "")
            assert model_admin.has_view_or_change_permission(request) == allowed, (model, role)
            assert model_admin.has_add_permission(request) <= ("a" in MATRIX.models[model].get(role, "")), (model, role)
    # and the pages themselves, for a sample
    for role, path, status in [
        ("engineer", "/admin/workflow/workflow/", 403),
        ("manager", "/admin/workflow/workflow/", 200),
        ("manager", "/admin/workflow/notificationrule/add/", 200),
        ("ticket_clerk", "/admin/workflow/approvalrequest/", 200),
        ("ticket_clerk", "/admin/workflow/documenttrack/", 403),
        ("security_auditor", "/admin/workflow/approvalentry/", 200),
        ("finance", "/admin/workflow/delegation/add/", 200),
    ]:
        client.force_login(users[role])
        assert client.get(path).status_code == status, (role, path)


def test_the_dashboard_shows_my_pending_count(client, make_workflow, make_request, make_user):
    make_workflow()
    requester, finance = make_user("ticket_clerk"), make_user("finance")
    services.apply(make_request(requester), "submit", requester)
    client.force_login(finance)
    page = client.get("/admin/").content.decode()
    assert "/workflow/inbox/" in page
