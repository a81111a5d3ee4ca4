"""Device telemetry and automatic alarms: offline, fault codes, thresholds, de-duplication,
auto-clear, the alarm-to-ticket rule, and bad input refused with nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from scenic_ops.operations.models import Alarm, Device, RepairTicket, TelemetryRecord
from scenic_ops.operations.services import alarms, telemetry

pytestmark = pytest.mark.django_db

URL = "/api/v1/operations/telemetry"


def post(secret: str, body: dict, **headers):
    return Client().post(URL, body, content_type="application/json", HTTP_X_API_KEY=secret, **headers)


def rec(kind: str, when: dt.datetime, **fields) -> dict:
    return {"type": kind, "at": when.isoformat(), **fields}


def test_an_offline_device_raises_one_alarm_and_recovery_clears_it(make_device):
    device, _secret = make_device()
    now = timezone.now()
    Device.objects.filter(pk=device.pk).update(last_seen_at=now - dt.timedelta(minutes=5), online=True)
    assert alarms.check_offline(now=now)["raised"] == 0  # 5 minutes of silence is allowed (10)

    later = now + dt.timedelta(minutes=20)
    assert alarms.check_offline(now=later)["raised"] == 1
    assert alarms.check_offline(now=later + dt.timedelta(minutes=1))["raised"] == 0
    assert alarms.check_offline(now=later + dt.timedelta(minutes=30))["raised"] == 0
    alarm = Alarm.objects.get(device=device)
    assert (alarm.kind, alarm.state, alarm.occurrences) == ("offline", "open", 1)
    assert not Device.objects.get(pk=device.pk).online

    result = telemetry.ingest(device, [rec("heartbeat", later)], now=later + dt.timedelta(minutes=31))
    alarm.refresh_from_db()
    assert result.alarms_cleared == 1
    assert alarm.state == "cleared" and alarm.open_key is None and alarm.clear_reason
    assert Device.objects.get(pk=device.pk).online

    # A new silence is a new alarm, once.
    silent_again = later + dt.timedelta(hours=2)
    assert alarms.check_offline(now=silent_again)["raised"] == 1
    assert alarms.check_offline(now=silent_again)["raised"] == 0
    assert Alarm.objects.filter(device=device).count() == 2


def test_a_repeated_fault_code_does_not_open_a_second_alarm(make_device, make_user):
    make_user("engineer")
    device, secret = make_device()
    t0 = timezone.now() - dt.timedelta(minutes=30)
    first = post(secret, {"device": device.code, "records": [rec("fault", t0, code="E42", message="刹车过热")]})
    assert first.status_code == 200, first.content
    assert len(first.json()["alarms_raised"]) == 1
    again = post(
        secret,
        {
            "device": device.code,
            "records": [
                rec("fault", t0 + dt.timedelta(minutes=1), code="E42"),
                rec("fault", t0 + dt.timedelta(minutes=2), code="E42"),
            ],
        },
    )
    assert again.json()["alarms_raised"] == []
    alarm = Alarm.objects.get(device=device, cause="fault:E42")
    assert alarm.occurrences == 3 and alarm.state == "open"
    assert alarm.last_at == t0 + dt.timedelta(minutes=2)
    # The fault rule opens one repair ticket per alarm, not per occurrence.
    assert RepairTicket.objects.filter(alarm=alarm).count() == 1
    # Another code is another cause.
    post(secret, {"device": device.code, "records": [rec("fault", t0 + dt.timedelta(minutes=3), code="E7")]})
    assert Alarm.objects.filter(device=device).exclude(state="cleared").count() == 2
    # Cleared by the device; the same code later is a new alarm.
    post(secret, {"device": device.code, "records": [rec("fault_cleared", t0 + dt.timedelta(minutes=5), code="E42")]})
    alarm.refresh_from_db()
    assert alarm.state == "cleared"
    post(secret, {"device": device.code, "records": [rec("fault", t0 + dt.timedelta(minutes=9), code="E42")]})
    assert Alarm.objects.filter(device=device, cause="fault:E42").count() == 2


def test_acknowledged_alarms_still_deduplicate_and_clear(make_device, make_user):
    engineer = make_user("engineer")
    device, _secret = make_device()
    t0 = timezone.now() - dt.timedelta(minutes=10)
    telemetry.ingest(device, [rec("fault", t0, code="E1")])
    alarm = Alarm.objects.get(device=device)
    alarms.acknowledge(alarm, engineer, "去现场")
    telemetry.ingest(device, [rec("fault", t0 + dt.timedelta(minutes=1), code="E1")])
    alarm.refresh_from_db()
    assert (alarm.state, alarm.occurrences, alarm.acknowledged_by) == ("acknowledged", 2, engineer)
    telemetry.ingest(device, [rec("fault_cleared", t0 + dt.timedelta(minutes=2), code="E1")])
    alarm.refresh_from_db()
    assert alarm.state == "cleared"


def test_cableway_wind_threshold_with_hysteresis_and_a_site_safety_warning(make_asset, make_device, make_user):
    manager = make_user("manager")
    cableway = make_asset("cableway", name="客运索道")
    device, _secret = make_device(asset=cableway, code="cw-wind")
    t0 = timezone.now() - dt.timedelta(minutes=20)
    telemetry.ingest(device, [rec("metric", t0, name="wind_speed", value=16.2)])
    alarm = Alarm.objects.get(device=device)
    assert alarm.severity == "critical" and alarm.cause.startswith("metric:")
    assert alarm.site_warning  # special equipment: the site's safety warning was raised (or people told)
    from scenic_ops.workflow.models import Notification

    assert Notification.objects.filter(recipient=manager, event="safety_warning").exists()
    telemetry.ingest(device, [rec("metric", t0 + dt.timedelta(minutes=1), name="wind_speed", value=13)])
    alarm.refresh_from_db()
    assert alarm.state == "open"  # below the limit but above the clear level (12): no flapping
    telemetry.ingest(device, [rec("metric", t0 + dt.timedelta(minutes=2), name="wind_speed", value=11.5)])
    alarm.refresh_from_db()
    assert alarm.state == "cleared"
    assert Device.objects.get(pk=device.pk).metrics["wind_speed"]["value"] == 11.5


def test_alarm_rule_opens_a_repair_ticket_assigned_by_rule(make_asset, make_device, make_user, zone):
    lower = zone("cw-lower")
    engineer = make_user("engineer", skills=["mechanical"])
    engineer.zones.set([lower])
    make_user("engineer")  # another engineer, not in the zone
    cableway = make_asset("cableway", zone=lower)
    device, _secret = make_device(asset=cableway)
    telemetry.ingest(device, [rec("fault", timezone.now() - dt.timedelta(minutes=1), code="BRAKE")])
    alarm = Alarm.objects.get(device=device)
    ticket = alarm.ticket
    assert ticket is not None and ticket.source == "alarm" and ticket.priority == "urgent"
    assert ticket.asset == cableway and ticket.state == "reported"
    assert ticket.assignee == engineer  # zone and skill rule for machine-raised tickets
    assert ticket.resolution_due is not None
    cableway.refresh_from_db()
    assert cableway.status == "out_of_order"


def test_status_rule_emergency_stop(make_device):
    device, _secret = make_device()
    t0 = timezone.now() - dt.timedelta(minutes=5)
    telemetry.ingest(device, [rec("status", t0, status="emergency_stop")])
    assert Alarm.objects.get(device=device).severity == "critical"
    telemetry.ingest(device, [rec("status", t0 + dt.timedelta(seconds=30), status="running")])
    assert Alarm.objects.get(device=device).state == "cleared"
    assert Device.objects.get(pk=device.pk).status == "running"


# --- bad input ----------------------------------------------------------------------------------


def test_unknown_device_key_is_refused(make_device):
    device, _secret = make_device()
    response = post("sk_000000000000_nope", {"device": device.code, "records": [rec("heartbeat", timezone.now())]})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    no_key = Client().post(URL, {"device": device.code, "records": []}, content_type="application/json")
    assert no_key.status_code == 401
    assert not TelemetryRecord.objects.exists()


def test_another_devices_key_and_unknown_device_are_refused(make_device):
    device, _secret = make_device()
    _other, other_secret = make_device()
    response = post(other_secret, {"device": device.code, "records": [rec("heartbeat", timezone.now())]})
    assert (response.status_code, response.json()["code"]) == (403, "ops_device_key_mismatch")
    response = post(other_secret, {"device": "no-such", "records": [rec("heartbeat", timezone.now())]})
    assert (response.status_code, response.json()["code"]) == (404, "ops_unknown_device")


def test_future_timestamp_rejects_the_whole_message(make_device):
    device, secret = make_device()
    now = timezone.now()
    body = {
        "device": device.code,
        "records": [
            rec("heartbeat", now - dt.timedelta(seconds=30)),
            rec("metric", now + dt.timedelta(hours=1), name="t", value=1),
        ],
    }
    response = post(secret, body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "ops_future_timestamp"
    assert data["context"]["rows"][0]["index"] == 1
    assert not TelemetryRecord.objects.exists()
    device.refresh_from_db()
    assert device.last_seen_at is None and device.last_device_at is None


def test_out_of_order_records_are_refused_and_nothing_is_stored(make_device):
    device, secret = make_device()
    t0 = timezone.now() - dt.timedelta(minutes=10)
    assert post(secret, {"device": device.code, "records": [rec("heartbeat", t0)]}).status_code == 200
    # Inside one message
    inside = post(
        secret,
        {
            "device": device.code,
            "records": [rec("heartbeat", t0 + dt.timedelta(minutes=2)), rec("heartbeat", t0 + dt.timedelta(minutes=1))],
        },
    )
    assert (inside.status_code, inside.json()["code"]) == (409, "ops_out_of_order")
    # Older than what the device already sent (and not a repeat of it)
    older = post(
        secret,
        {
            "device": device.code,
            "records": [
                rec("metric", t0 - dt.timedelta(minutes=1), name="temp", value=20),
                rec("heartbeat", t0 + dt.timedelta(minutes=3)),
            ],
        },
    )
    assert (older.status_code, older.json()["code"]) == (409, "ops_out_of_order")
    assert TelemetryRecord.objects.filter(device=device).count() == 1
    # An exact repeat of a stored record is harmless (a device resending an unanswered message)
    repeat = post(
        secret,
        {"device": device.code, "records": [rec("heartbeat", t0), rec("heartbeat", t0 + dt.timedelta(minutes=4))]},
    )
    assert repeat.status_code == 200
    assert (repeat.json()["accepted"], repeat.json()["duplicates"]) == (1, 1)


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"type": "heartbeat", "at": "yesterday"}, "ops_invalid_timestamp"),
        ({"type": "heartbeat", "at": "2026-05-01T09:30:00"}, "ops_invalid_timestamp"),
        ({"type": "metric", "at": "NOW", "name": "x", "value": 1}, "ops_invalid_timestamp"),
        ({"type": "metric", "name": "wind speed", "value": 1}, "ops_invalid_record"),
        ({"type": "metric", "name": "wind", "value": "NaN"}, "ops_invalid_record"),
        ({"type": "metric", "name": "wind", "value": True}, "ops_invalid_record"),
        ({"type": "reboot"}, "ops_invalid_record"),
        ({"type": "fault"}, "ops_invalid_record"),
        ("heartbeat", "ops_invalid_record"),
    ],
)
def test_malformed_records_get_clear_codes(make_device, record, code):
    device, secret = make_device()
    if isinstance(record, dict) and "at" not in record:
        record = {**record, "at": timezone.now().isoformat()}
    elif isinstance(record, dict) and record["at"] == "NOW":
        record = {**record, "at": "2026-13-01T00:00:00+08:00"}
    response = post(secret, {"device": device.code, "records": [record]})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not TelemetryRecord.objects.exists()


def test_too_old_and_empty_messages(make_device):
    device, secret = make_device()
    old = post(secret, {"device": device.code, "records": [rec("heartbeat", timezone.now() - dt.timedelta(days=8))]})
    assert old.json()["code"] == "ops_timestamp_too_old"
    assert post(secret, {"device": device.code, "records": []}).json()["code"] == "ops_no_records"
    assert post(secret, {"device": device.code}).json()["code"] == "ops_no_records"
    bad_json = Client().post(URL, "{not json", content_type="application/json", HTTP_X_API_KEY=secret)
    assert (bad_json.status_code, bad_json.json()["code"]) == (400, "malformed_json")


def test_idempotency_key_replays_the_answer(make_device):
    device, secret = make_device()
    body = {"device": device.code, "records": [rec("fault", timezone.now() - dt.timedelta(seconds=5), code="E9")]}
    first = post(secret, body, HTTP_IDEMPOTENCY_KEY="msg-0001")
    second = post(secret, body, HTTP_IDEMPOTENCY_KEY="msg-0001")
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Alarm.objects.filter(device=device).count() == 1


def test_special_equipment_alarm_calls_the_flow_safety_warning_when_it_exists(make_asset, make_device, monkeypatch):
    from scenic_ops.flow import services as flow_services

    calls = []
    monkeypatch.setattr(flow_services, "raise_safety_warning", lambda **kw: calls.append(("raise", kw)), raising=False)
    monkeypatch.setattr(flow_services, "clear_safety_warning", lambda **kw: calls.append(("clear", kw)), raising=False)
    device, _secret = make_device(asset=make_asset("cableway"))
    t0 = timezone.now() - dt.timedelta(minutes=3)
    telemetry.ingest(device, [rec("metric", t0, name="wind_speed", value=18)])
    alarm = Alarm.objects.get(device=device)
    telemetry.ingest(device, [rec("metric", t0 + dt.timedelta(minutes=1), name="wind_speed", value=8)])
    assert [c[0] for c in calls] == ["raise", "clear"]
    assert calls[0][1]["source"] == f"operations.alarm:{alarm.pk}" and calls[0][1]["level"] == "orange"
    site_warning = Alarm.objects.get(pk=alarm.pk).site_warning
    assert "visitor-flow" in site_warning or "客流" in site_warning
    # A gate is not special equipment: no site warning
    gate_device, _ = make_device()
    telemetry.ingest(gate_device, [rec("status", t0, status="emergency_stop")])
    assert len(calls) == 2


def test_a_fire_alarm_starts_the_fire_emergency_plan_once(make_asset, make_device, make_user, zone):
    from scenic_ops.core.models import OutboxMessage
    from scenic_ops.service.models import Incident
    from scenic_ops.service.setup import load_reference_data

    load_reference_data()
    make_user("security")
    panel = make_asset("fire_alarm", zone=zone("temple-fire"), name="古寺火灾报警控制器")
    device, _secret = make_device(asset=panel)
    t0 = timezone.now() - dt.timedelta(minutes=2)
    telemetry.ingest(device, [rec("status", t0, status="fire")])
    telemetry.ingest(device, [rec("status", t0 + dt.timedelta(seconds=20), status="fire")])  # reported again
    alarm = Alarm.objects.get(device=device)
    incident = Incident.objects.get()
    assert incident.type.code == "fire" and incident.source == "alarm"
    assert incident.zone.code == "temple-fire"
    assert incident.tasks.exists()  # the plan started
    assert incident.notices.exists()  # agencies told through the outbox
    assert OutboxMessage.objects.exists()
    assert str(alarm.pk) in incident.trigger_key
