"""The workflow API: available actions, apply (403 with the reason, nothing changes), inbox, bulk, delegations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scenic_ops.core import apikeys
from scenic_ops.core.models import AuditEvent, OutboxMessage
from scenic_ops.workflow import services
from scenic_ops.workflow.models import ApprovalEntry, Delegation, Notification

DOC = "workflow.approvalrequest"


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return client_for


@pytest.fixture
def setup_doc(make_workflow, make_request, make_user):
    make_workflow()
    requester, finance, clerk = make_user("ticket_clerk"), make_user("finance"), make_user("ticket_clerk")
    doc = make_request(requester, amount=3000, title="打印机")
    return {"doc": doc, "requester": requester, "finance": finance, "clerk": clerk}


def url(doc, what):
    return f"/api/v1/workflow/documents/{DOC}/{doc.pk}/{what}"


def test_actions_are_listed_per_user(api, setup_doc):
    s = setup_doc
    body = api(s["requester"]).get(url(s["doc"], "actions")).json()
    assert body["state"] == "draft" and [a["action"] for a in body["actions"]] == ["submit"]
    assert body["actions"][0]["to_state"] == "review"
    assert api(s["finance"]).get(url(s["doc"], "actions")).json()["actions"] == []
    explained = api(s["finance"]).get(url(s["doc"], "actions") + "?explain=submit").json()["explain"]
    assert explained["code"] == "workflow_not_allowed"


def test_a_refused_action_is_403_with_the_reason_and_nothing_changes(api, setup_doc):
    s = setup_doc
    services.apply(s["doc"], "submit", s["requester"])
    before = (ApprovalEntry.objects.count(), OutboxMessage.objects.count(), AuditEvent.objects.count())
    response = api(s["clerk"]).post(url(s["doc"], "apply"), {"action": "approve", "comment": "x"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "workflow_not_allowed" and body["detail"]
    s["doc"].refresh_from_db()
    assert s["doc"].state == "review"
    after = (ApprovalEntry.objects.count(), OutboxMessage.objects.count())
    assert after == before[:2]
    # the denial itself is in the audit trail, no transition is
    assert not AuditEvent.objects.filter(action="transition", object_id=str(s["doc"].pk), actor=s["clerk"]).exists()


def test_self_approval_is_403(api, setup_doc, make_user, make_request):
    owner = make_user("ticket_clerk", "finance")
    doc = make_request(owner)
    services.apply(doc, "submit", owner)
    response = api(owner).post(url(doc, "apply"), {"action": "approve"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "workflow_self_approval"


def test_apply_moves_and_reports(api, setup_doc):
    s = setup_doc
    response = api(s["requester"]).post(url(s["doc"], "apply"), {"action": "submit", "state": "draft"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["moved"] and response.json()["state"] == "review"
    response = api(s["finance"]).post(url(s["doc"], "apply"), {"action": "approve", "comment": "好"}, format="json")
    assert response.json()["entry"]["comment"] == "好" and response.json()["state_label"] == "已批准"
    history = api(s["requester"]).get(url(s["doc"], "history")).json()
    assert [h["to_state"] for h in history] == ["draft", "review", "approved"]


def test_bad_input_gets_clear_errors(api, setup_doc):
    s = setup_doc
    client = api(s["requester"])
    assert client.post(url(s["doc"], "apply"), {}, format="json").status_code == 400
    assert client.post(url(s["doc"], "apply"), "{oops", content_type="application/json").status_code == 400
    response = client.post(url(s["doc"], "apply"), {"action": "approve", "state": "review"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "workflow_state_changed"
    assert client.get(f"/api/v1/workflow/documents/{DOC}/999999/actions").status_code == 404
    assert client.get(f"/api/v1/workflow/documents/{DOC}/abc/actions").status_code == 404
    assert client.get("/api/v1/workflow/documents/nope.nope/1/actions").status_code == 404
    response = client.post(url(s["doc"], "apply"), {"action": "nope"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "workflow_unknown_action"


def test_api_keys_and_strangers_cannot_act(api, setup_doc):
    s = setup_doc
    assert api().get(url(s["doc"], "actions")).status_code in (401, 403)
    issued = apikeys.issue("partner", kind="partner", scopes=["*"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=issued.secret)
    assert client.post(url(s["doc"], "apply"), {"action": "submit"}, format="json").status_code == 403


def test_idempotent_apply(api, setup_doc):
    s = setup_doc
    client = api(s["requester"])
    first = client.post(url(s["doc"], "apply"), {"action": "submit"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(url(s["doc"], "apply"), {"action": "submit"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert services.history(s["doc"]).filter(kind="transition").count() == 1


def test_inbox_and_bulk(api, make_workflow, make_request, make_user):
    make_workflow()
    requester, finance = make_user("ticket_clerk"), make_user("finance")
    docs = [make_request(requester, amount=100 * (i + 1), title=f"单据{i}") for i in range(3)]
    for doc in docs[:2]:
        services.apply(doc, "submit", requester)
    body = api(finance).get("/api/v1/workflow/inbox").json()
    assert body["total"] == 2 and {r["title"] for r in body["results"]} == {str(d) for d in docs[:2]}
    assert body["by_type"][0]["count"] == 2
    assert api(finance).get("/api/v1/workflow/inbox?q=单据1").json()["results"][0]["title"] == str(docs[1])
    items = [{"document_type": DOC, "id": str(d.pk)} for d in docs]
    response = api(finance).post(
        "/api/v1/workflow/inbox/bulk", {"action": "approve", "comment": "批量", "items": items}, format="json"
    )
    result = response.json()
    assert result["done"] == 2
    assert [r["ok"] for r in result["results"]] == [True, True, False]
    assert result["results"][2]["code"] == "workflow_unknown_action"  # still a draft
    assert api(finance).get("/api/v1/workflow/inbox").json()["total"] == 0


def test_notifications_api(api, setup_doc):
    s = setup_doc
    Notification.objects.create(recipient=s["finance"], subject="一", subject_en="one")
    Notification.objects.create(recipient=s["finance"], subject="二")
    client = api(s["finance"])
    body = client.get("/api/v1/workflow/notifications").json()
    assert body["unread"] == 2 and len(body["results"]) == 2
    first = body["results"][0]["id"]
    assert client.post("/api/v1/workflow/notifications/read", {"ids": [first]}, format="json").json()["unread"] == 1
    assert client.post("/api/v1/workflow/notifications/read", {}, format="json").json()["unread"] == 0


def test_delegations_api(api, setup_doc):
    s = setup_doc
    client = api(s["finance"])
    now = timezone.now()
    payload = {
        "delegate": s["clerk"].username,
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(days=2)).isoformat(),
        "reason": "年假",
    }
    response = client.post("/api/v1/workflow/delegations", payload, format="json")
    assert response.status_code == 201, response.content
    assert Delegation.objects.get().principal == s["finance"]
    bad = {**payload, "ends_at": (now - dt.timedelta(days=1)).isoformat()}
    response = client.post("/api/v1/workflow/delegations", bad, format="json")
    assert response.status_code == 400 and response.json()["code"] == "workflow_bad_delegation"
    response = client.post(
        "/api/v1/workflow/delegations", {**payload, "delegate": s["finance"].username}, format="json"
    )
    assert response.status_code == 400
    assert len(client.get("/api/v1/workflow/delegations").json()) == 1


def test_condition_check_endpoint(api, setup_doc):
    client = api(setup_doc["finance"])
    ok = client.post(
        "/api/v1/workflow/conditions/check", {"document_type": DOC, "expression": "amount > 5"}, format="json"
    )
    assert ok.json() == {"valid": True}
    bad = client.post(
        "/api/v1/workflow/conditions/check", {"document_type": DOC, "expression": "amount > 5 and titel"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["column"] == 16 and "titel" in bad.json()["detail"]
