"""The service API (scopes, stable error codes, idempotency) and the visitor/desk pages' bad input."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from scenic_ops.core import apikeys
from scenic_ops.core.models import OutboxMessage
from scenic_ops.service.models import Complaint, Incident, Mention, MeterReading
from tests.service.conftest import PHONE


def key_client(*scopes: str) -> Client:
    issued = apikeys.issue("test", kind="partner", scopes=list(scopes))
    return Client(HTTP_X_API_KEY=issued.secret)


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_a_weather_warning_pushed_twice_is_one_incident(service):
    client = key_client("service:incident")
    body = {
        "type": "weather",
        "trigger_key": "cma:320500:20260501-rainstorm-orange",
        "level": 3,
        "title": "暴雨橙色预警",
    }
    first = post(client, "/api/v1/service/incidents", body)
    assert first.status_code == 201, first.content
    again = post(client, "/api/v1/service/incidents", body)
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    assert Incident.objects.count() == 1 and first.json()["tasks"] == 5 and first.json()["notices"] == 4


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "alien_invasion"}, "unknown_incident_type"),
        ({"type": "fire", "level": "V"}, "invalid_level"),
        ({"type": "fire", "trigger_key": "x" * 191}, "invalid_trigger"),
        ({"type": "fire", "latitude": "abc", "longitude": "1"}, "invalid_location"),
    ],
)
def test_bad_incident_requests_get_a_stable_code_and_change_nothing(service, body, code):
    response = post(key_client("service:incident"), "/api/v1/service/incidents", body)
    assert response.status_code == 400 and response.json()["code"] == code and response.json()["detail"]
    assert not Incident.objects.exists()


def test_scopes_are_checked(service):
    response = post(key_client("service:opinion"), "/api/v1/service/incidents", {"type": "fire"})
    assert response.status_code == 403 and response.json()["code"] == "scope_missing"
    assert Client().post("/api/v1/service/incidents", {}).status_code == 401


def test_mentions_push_and_energy_readings(service):
    from scenic_ops.service.models import EnergyMeter

    result = post(
        key_client("service:opinion"),
        "/api/v1/service/mentions",
        {
            "source": "ctrip",
            "mentions": [
                {"external_id": "1", "published_at": "2026-05-01T10:00:00+08:00", "text": "排队太久，失望"},
                {"text": ""},
            ],
        },
    ).json()
    assert (result["created"], result["refused"]) == (1, 1) and Mention.objects.get().sentiment_label == "negative"
    assert (
        post(key_client("service:opinion"), "/api/v1/service/mentions", {"mentions": "x"}).json()["code"]
        == "mention_invalid"
    )
    EnergyMeter.objects.create(code="m1", name="电表")
    energy = key_client("service:energy")
    ok = post(
        energy,
        "/api/v1/service/energy/readings",
        {"meter": "m1", "readings": [{"at": "2026-05-01T10:00:00+08:00", "value": 12.5}]},
    )
    assert ok.json() == {"accepted": 1, "duplicates": 0}
    bad = post(
        energy,
        "/api/v1/service/energy/readings",
        {"meter": "m1", "readings": [{"at": "2026-05-01T11:00:00+08:00", "value": 13}, {"at": "nope", "value": 1}]},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "reading_invalid"
    assert MeterReading.objects.count() == 1  # a bad reading rejects the whole push
    assert (
        post(
            energy,
            "/api/v1/service/energy/readings",
            {"meter": "zz", "readings": [{"at": "2026-05-01T10:00:00+08:00", "value": 1}]},
        ).json()["code"]
        == "unknown_meter"
    )


def test_a_12345_work_order_is_filed_once_with_an_idempotency_key(service):
    client = key_client("service:complaint")
    body = {
        "description": "售票窗口排队过长",
        "channel": "12345",
        "external_ref": "GD2026050100012",
        "phone": "0512-65551234",
    }
    first = post(client, "/api/v1/service/complaints", body, HTTP_IDEMPOTENCY_KEY="gd-12")
    again = post(client, "/api/v1/service/complaints", body, HTTP_IDEMPOTENCY_KEY="gd-12")
    assert first.status_code == 201 and again.json()["code"] == first.json()["code"]
    assert Complaint.objects.get().channel == "12345"
    empty = post(client, "/api/v1/service/complaints", {"description": ""})
    assert empty.status_code == 400 and empty.json()["code"] == "complaint_text_missing"


def test_the_visitor_form_refuses_huge_text_and_keeps_what_was_typed(service):
    client = Client()
    response = client.post("/service/complaint/", {"description": "太长" * 1500, "phone": PHONE, "token": "t-1"})
    assert response.status_code == 400
    assert "2000" in response.content.decode() and PHONE in response.content.decode()
    assert not Complaint.objects.exists() and not OutboxMessage.objects.exists()
    markup = client.post(
        "/service/complaint/", {"description": "<img src=x onerror=alert(1)>", "phone": PHONE, "token": "t-2"}
    )
    assert markup.status_code == 302
    page = client.get(markup["Location"]).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert client.get("/service/my/TSNOTMINE0000/").status_code == 302  # another visitor's code: to the look-up


def test_desk_pages_render_for_a_manager(service, make_user, zone):
    from scenic_ops.service import dispatch, incidents, opinion
    from scenic_ops.service.models import EnergyMeter, Material, ResourcePool

    manager = make_user("manager")
    zone("summit", name="主峰")
    incident = incidents.raise_incident("fire", "desk:test", zone="summit")
    opinion.ingest([{"source": "weibo", "text": "厕所太脏", "published_at": "2026-05-01T10:00:00+08:00"}])
    ResourcePool.objects.create(code="bus", name="观光车", kind="shuttle", units_total=5)
    dispatch.receive_stock(Material.objects.create(code="bag", name="沙袋"), 5)
    EnergyMeter.objects.create(code="m", name="电表")
    client = Client()
    client.force_login(manager)
    for url in [
        "/admin/service/commandpost/",
        f"/admin/service/commandpost/{incident.pk}/",
        "/admin/service/complaintanalytics/",
        "/admin/service/opiniondashboard/",
        "/admin/service/dispatchboard/",
        "/admin/service/energyboard/",
        "/admin/service/complaint/?queue=overdue",
        "/admin/service/importbatch/add/",
        "/admin/service/stockmovement/add/",
        "/admin/",
    ]:
        assert client.get(url).status_code == 200, url
    # commanding from the desk: a note, the level, closing with a report
    act = f"/admin/service/commandpost/{incident.pk}/act/"
    client.post(act, {"do": "note", "note": "消防车已到达"})
    client.post(act, {"do": "level", "level": "2"})
    client.post(act, {"do": "close", "report": "已扑灭，无人员伤亡。"})
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.level == 2 and incident.events.filter(kind="note").exists()
    guard = Client()
    guard.force_login(make_user("security"))
    assert guard.post(act, {"do": "close", "report": "x"}).status_code == 403
