"""The crew app's API as the phone calls it: today's work, multipart submissions with photos,
retries without duplicates (Idempotency-Key and client ids), problem reports, QR lookups."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from scenic_ops.operations.models import InspectionResult, InspectionTask, RepairPhoto, RepairTicket
from scenic_ops.operations.models.repairs import PRIORITY_RANK
from scenic_ops.operations.services import inspections
from tests.operations.conftest import photo

pytestmark = pytest.mark.django_db
API = "/api/v1/operations/"


@pytest.fixture
def phone(make_user, make_plan, make_asset, zone):
    south = zone("gate-south", lat="31.2301", lng="120.4102")
    inspector = make_user("inspector", display_name="孙浩")
    engineer = make_user("engineer", display_name="赵磊")
    engineer.zones.set([south])
    gate = make_asset("gate", code="gate-south-1", name="南门闸机1", zone=south)
    plan = make_plan(points=[gate], assignee=inspector, name="南门闸机日检")
    inspections.create_daily_tasks()
    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)
    client.get("/crew/")  # sets the CSRF cookie, as the app page does
    return {
        "client": client,
        "inspector": inspector,
        "engineer": engineer,
        "gate": gate,
        "task": InspectionTask.objects.get(plan=plan),
        "items": {i.label: i.pk for i in plan.template.items.all()},
        "point": plan.points.get().pk,
    }


def csrf(client: Client) -> str:
    from django.conf import settings

    return client.cookies[settings.CSRF_COOKIE_NAME].value


def submission(phone, *, working="no", volts="220", submission_id=None) -> dict:
    point, items = phone["point"], phone["items"]
    return {
        "submission_id": submission_id or str(uuid.uuid4()),
        "latitude": 31.2301,
        "longitude": 120.4102,
        "accuracy": 9,
        "answers": [
            {"point": point, "item": items["闸机运转正常"], "value": working, "note": "闸门不动", "photo": "p-gate"},
            {"point": point, "item": items["电压"], "value": volts},
            {"point": point, "item": items["备注"], "value": ""},
        ],
    }


def post_multipart(phone, url: str, payload: dict, files: dict | None = None, key: str | None = None):
    client = phone["client"]
    data = {"payload": json.dumps(payload), **(files or {})}
    headers = {"HTTP_X_CSRFTOKEN": csrf(client)}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(API + url, data, **headers)


def test_today_lists_the_inspection_in_route_order_with_its_checklist(phone):
    data = phone["client"].get(API + "crew/today").json()
    task = data["inspections"][0]
    assert task["plan"] == "南门闸机日检" and task["state"] == "pending"
    point = task["points"][0]
    assert point["asset"] == "gate-south-1" and point["position"] == [31.2301, 120.4102]
    assert [i["kind"] for i in point["items"]] == ["yes_no", "number", "text"]
    assert point["items"][1]["max"] == 400.0


def test_a_multipart_submission_with_a_photo_and_its_retry(phone):
    payload = submission(phone)
    key = payload["submission_id"]
    url = f"crew/inspections/{phone['task'].pk}/submit"
    first = post_multipart(phone, url, payload, {"p-gate": photo("gate.png")}, key=key)
    assert first.status_code == 200, first.content
    assert first.json()["failed"] == 1 and len(first.json()["tickets"]) == 1
    # The phone lost the answer and sends the same entry again: same answer, nothing new
    again = post_multipart(phone, url, payload, {"p-gate": photo("gate.png")}, key=key)
    assert again.status_code == 200 and again.json()["tickets"] == first.json()["tickets"]
    # Even without the Idempotency-Key the submission id is recognised
    third = post_multipart(phone, url, payload, {"p-gate": photo("gate.png")})
    assert third.json()["replayed"] is True
    assert InspectionResult.objects.count() == 3 and RepairTicket.objects.count() == 1
    ticket = RepairTicket.objects.get()
    assert ticket.assignee == phone["engineer"] and ticket.photos.count() == 1


def test_out_of_range_and_oversized_photo_are_clear_errors_and_save_nothing(phone):
    url = f"crew/inspections/{phone['task'].pk}/submit"
    bad = post_multipart(phone, url, submission(phone, volts="9999"), {"p-gate": photo()})
    assert bad.status_code == 400
    assert bad.json()["code"] == "ops_answer_out_of_range" and "9999" in bad.json()["detail"]
    big = photo("big.jpg", b"\xff\xd8\xff" + b"1" * (9 * 1024 * 1024))
    too_big = post_multipart(phone, url, submission(phone), {"p-gate": big})
    assert too_big.status_code == 413 and too_big.json()["code"] == "ops_file_too_large"
    assert not InspectionResult.objects.exists() and not RepairTicket.objects.exists()
    assert InspectionTask.objects.get().state == "pending"


def test_csrf_is_required_for_the_session_api(phone):
    client = phone["client"]
    response = client.post(API + "crew/reports", {"title": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert not RepairTicket.objects.exists()


def test_report_a_problem_by_qr_code_twice_gives_one_ticket(phone):
    client = phone["client"]
    body = {
        "client_id": "report-abcdef01",
        "title": "闸机屏幕碎了",
        "asset": phone["gate"].qr_token,
        "priority": "high",
    }
    one = post_multipart(phone, "crew/reports", body, {"photos": photo("screen.png")}, key="report-abcdef01")
    two = post_multipart(phone, "crew/reports", body, {"photos": photo("screen.png")}, key="report-abcdef01")
    assert one.status_code == 201 and one.json() == two.json()
    ticket = RepairTicket.objects.get()
    assert ticket.asset == phone["gate"] and ticket.source == "staff" and ticket.reported_by == phone["inspector"]
    assert RepairPhoto.objects.filter(ticket=ticket, stage="report").count() == 1
    unknown = client.post(
        API + "crew/reports",
        {"title": "x", "asset": "no-such-code"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf(client),
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ops_unknown_asset")


def test_scanning_an_asset_qr(phone):
    client = phone["client"]
    data = client.get(API + f"crew/assets/{phone['gate'].qr_token}").json()
    assert data["code"] == "gate-south-1" and data["name"] == "南门闸机1"
    assert client.get(API + "crew/assets/nothing").json()["code"] == "ops_unknown_asset"
    page = client.get(f"/crew/a/{phone['gate'].qr_token}")
    assert page.status_code == 302 and page["Location"] == f"/crew/#asset/{phone['gate'].qr_token}"


def test_the_engineer_repairs_from_the_phone(phone):
    post_multipart(phone, f"crew/inspections/{phone['task'].pk}/submit", submission(phone), {"p-gate": photo()})
    ticket = RepairTicket.objects.get()
    engineer = Client(enforce_csrf_checks=True)
    engineer.force_login(phone["engineer"])
    engineer.get("/crew/")
    today = engineer.get(API + "crew/today").json()
    assert [t["id"] for t in today["tickets"]] == [ticket.pk]
    assert [a["verb"] for a in today["tickets"][0]["actions"]] == ["accept"]
    token = csrf(engineer)

    def act(verb, body, files=None):
        data = {"payload": json.dumps(body), **(files or {})}
        return engineer.post(
            API + f"crew/tickets/{ticket.pk}/{verb}",
            data,
            HTTP_X_CSRFTOKEN=token,
            HTTP_IDEMPOTENCY_KEY=body["client_id"],
        )

    assert act("accept", {"client_id": "acc-00000001"}).json()["state"] == "assigned"
    ticket.refresh_from_db()
    assert ticket.assignee == phone["engineer"]  # the only engineer: kept on "assigned"
    started = act("start", {"client_id": "start-0000001", "note": "到场"}, {"photos": photo("before.png")})
    assert started.status_code == 200, started.content
    refused = act("pause", {"client_id": "pause-0000001"})
    assert (refused.status_code, refused.json()["code"]) == (400, "workflow_comment_required")
    finished = act("finish", {"client_id": "finish-000001", "estimated_cost": "800"}, {"photos": photo("after.png")})
    assert finished.json()["state"] == "done"
    again = act("finish", {"client_id": "finish-000001", "estimated_cost": "800"}, {"photos": photo("after.png")})
    assert again.json() == finished.json()
    assert list(ticket.photos.order_by("id").values_list("stage", flat=True)) == ["report", "before", "after"]
    unknown = act("explode", {"client_id": "boom-0000001"})
    assert unknown.json()["code"] in ("ops_unknown_action", "workflow_state_changed")


def test_a_completed_inspection_comes_back_with_its_answers(phone):
    """The app shows a completed checklist read-only: today's work carries what was answered."""
    before = phone["client"].get(API + "crew/today").json()["inspections"][0]
    assert before["state"] == "pending" and before["results"] == []
    url = f"crew/inspections/{phone['task'].pk}/submit"
    assert post_multipart(phone, url, submission(phone), {"p-gate": photo("gate.png")}).status_code == 200
    task = phone["client"].get(API + "crew/today").json()["inspections"][0]
    assert task["state"] == "done" and task["completed_by"] == "孙浩" and task["completed_at"]
    answers = {(r["point"], r["item"]): r for r in task["results"]}
    point, items = phone["point"], phone["items"]
    assert set(answers) == {(point, i) for i in items.values()}  # every item of the route, once
    working = answers[(point, items["闸机运转正常"])]
    assert (working["answer"], working["passed"], working["note"], working["photo"]) == ("否", False, "闸门不动", True)
    assert working["answered_by"] == "孙浩"
    volts = answers[(point, items["电压"])]
    assert (volts["answer"], volts["passed"], volts["photo"]) == ("220V", True, False)
    assert answers[(point, items["备注"])]["answer"] == ""


@pytest.fixture
def tickets(phone, make_user):
    """Repair tickets in every situation an engineer meets (phone's engineer 赵磊 covers the south gate)."""
    from scenic_ops.operations.services import repairs
    from scenic_ops.workflow import services as workflow

    engineer, inspector = phone["engineer"], phone["inspector"]
    other = make_user("engineer", display_name="钱卫东")
    dispatcher = make_user("dispatcher", display_name="吴婷")
    admin = make_user(superuser=True)
    # nobody's yet: the dispatcher or any engineer may accept it
    waiting = repairs.report(title="湖区厕所没有水", source="visitor")
    # an inspection's ticket: assigned to 赵磊 at once by the rule
    mine = repairs.report(title="闸机卡住", asset=phone["gate"], source="inspection", reported_by=inspector)
    # accepted and given to another engineer: nothing for 赵磊 to do
    theirs = repairs.report(title="路灯不亮", source="visitor")
    workflow.apply(theirs, "accept", dispatcher)
    theirs.refresh_from_db()
    if theirs.assignee != other:
        workflow.reassign(theirs, other, admin)
    # repaired by 赵磊, waiting for the reporter (the inspector) to accept the work
    done = repairs.report(title="闸机屏幕碎了", asset=phone["gate"], reported_by=inspector)
    workflow.apply(done, "accept", dispatcher)
    done.refresh_from_db()
    assert done.assignee == engineer
    repairs.crew_action(done, engineer, "start")
    done.refresh_from_db()
    repairs.crew_action(done, engineer, "finish", estimated_cost="300")
    done.refresh_from_db()
    closed = repairs.report(title="已处理的报修", source="visitor")
    workflow.apply(closed, "reject", dispatcher, "重复报修")
    for ticket in (waiting, mine, theirs, done, closed):
        ticket.refresh_from_db()
    assert (waiting.state, mine.state, theirs.state, done.state, closed.state) == (
        "reported",
        "reported",
        "assigned",
        "done",
        "rejected",
    )
    assert mine.assignee == engineer and theirs.assignee == other
    return {"waiting": waiting, "mine": mine, "theirs": theirs, "done": done, "closed": closed, "other": other}


def crew_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/crew/")
    return client


def crew_post(client: Client, ticket_id: int, verb: str, body: dict):
    return client.post(
        API + f"crew/tickets/{ticket_id}/{verb}",
        {"payload": json.dumps(body)},
        HTTP_X_CSRFTOKEN=csrf(client),
        HTTP_IDEMPOTENCY_KEY=body["client_id"],
    )


def test_the_engineer_sees_the_tickets_waiting_for_him_as_the_approvals_inbox_does(phone, tickets):
    from scenic_ops.workflow.selectors import inbox

    engineer = phone["engineer"]
    shown = {t["id"]: t for t in crew_client(engineer).get(API + "crew/today").json()["tickets"]}
    t = tickets
    assert set(shown) == {t["waiting"].pk, t["mine"].pk, t["done"].pk}
    desk = {item.document.pk for item in inbox(engineer, document_type="operations.repairticket").items}
    assert desk == {t["waiting"].pk, t["mine"].pk}  # what he may act on: in the app as in the desk's inbox
    waiting = shown[t["waiting"].pk]
    assert waiting["actions"] == [
        {"verb": "accept", "action": "accept", "label": "受理派单", "comment_required": False}
    ]
    assert (waiting["state_label"], waiting["assignee"], waiting["mine"]) == ("已报修", "", False)
    assert shown[t["mine"].pk]["mine"] is True and shown[t["mine"].pk]["assignee"] == "赵磊"
    # his own repair, now the reporter's to accept: listed, with nothing for him to press
    assert (shown[t["done"].pk]["state_label"], shown[t["done"].pk]["actions"]) == ("待验收", [])
    # urgent and high first, then by SLA due time
    order = [(PRIORITY_RANK[r["priority"]], r["resolution_due"] or "9") for r in shown.values()]
    assert order == sorted(order)


def test_the_crew_act_on_waiting_tickets_as_the_desk_would_let_them(phone, tickets):
    from scenic_ops.operations.models import RepairWorkLog

    engineer, inspector = crew_client(phone["engineer"]), crew_client(phone["inspector"])
    waiting, done = tickets["waiting"], tickets["done"]
    accepted = crew_post(engineer, waiting.pk, "accept", {"client_id": "accept-waiting-1"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "assigned"

    # The inspector who reported it accepts the work from the phone: the action the desk offers him
    offered = {t["id"]: t for t in inspector.get(API + "crew/today").json()["tickets"]}[done.pk]["actions"]
    assert [(a["verb"], a["comment_required"]) for a in offered] == [("accept_work", False), ("reopen", True)]
    # …but not what the desk would refuse: the engineer may not accept his own work
    refused = crew_post(engineer, done.pk, "accept_work", {"client_id": "accept-work-eng"})
    assert refused.status_code == 403 and refused.json()["code"].startswith("workflow_")
    missing = crew_post(inspector, done.pk, "reopen", {"client_id": "reopen-no-note1"})
    assert (missing.status_code, missing.json()["code"]) == (400, "workflow_comment_required")
    done.refresh_from_db()
    assert done.state == "done" and not RepairWorkLog.objects.filter(ticket=done, by=phone["inspector"]).exists()

    closed = crew_post(inspector, done.pk, "accept_work", {"client_id": "accept-work-ins", "note": "已恢复通行"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = crew_post(inspector, done.pk, "accept_work", {"client_id": "accept-work-ins", "note": "已恢复通行"})
    assert again.json() == closed.json()  # a retried upload
    log = RepairWorkLog.objects.get(ticket=done, by=phone["inspector"])
    assert (log.action, log.note) == ("note", "验收通过: 已恢复通行")
    done.refresh_from_db()
    assert done.state == "closed" and done.verified_by == phone["inspector"]
    assert done.pk not in {t["id"] for t in crew_client(phone["engineer"]).get(API + "crew/today").json()["tickets"]}
    unknown = crew_post(inspector, done.pk, "explode", {"client_id": "explode-000001"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "ops_unknown_action")


def test_the_crew_page_needs_a_staff_login(phone):
    anonymous = Client()
    assert anonymous.get("/crew/")["Location"].startswith("/crew/login/")
    assert anonymous.get(API + "crew/today").status_code in (401, 403)
    login = anonymous.get("/crew/login/?lang=en")
    assert login.status_code == 200 and b"Log in" in login.content
    sw = anonymous.get("/crew/sw.js")
    assert sw["Service-Worker-Allowed"] == "/crew/" and b"caches.open" in sw.content
    assert anonymous.get("/crew/manifest.webmanifest").json()["scope"] == "/crew/"


def test_a_visitor_reports_a_problem_with_a_photo_and_location(make_asset, make_user):
    make_user("dispatcher")
    toilet = make_asset("toilet", name="湖区厕所")
    client = Client()
    body = {
        "client_id": "visitor-0000001",
        "title": "厕所没有水",
        "asset": toilet.qr_token,
        "latitude": 31.2283,
        "longitude": 120.419,
        "name": "王先生",
        "phone": "13812345678",
    }
    response = client.post(API + "public/reports", {"payload": json.dumps(body), "photos": photo("tap.png")})
    assert response.status_code == 201, response.content
    ticket = RepairTicket.objects.get()
    assert ticket.source == "visitor" and ticket.reported_by is None and ticket.asset == toilet
    assert ticket.reporter_phone_masked == "138****5678" and b"13812345678" not in bytes(ticket.reporter_phone_enc)
    assert ticket.photos.count() == 1 and ticket.state == "reported"
    bad = client.post(API + "public/reports", {"title": " "}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "ops_title_missing")
    for _ in range(6):
        last = client.post(API + "public/reports", {"title": "x"}, content_type="application/json")
    assert last.status_code == 429 and last.json()["code"] == "rate_limited"
    assert RepairTicket.objects.count() == 1 + 4
