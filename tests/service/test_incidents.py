"""Incidents: one per trigger (also under concurrency), plan tasks for the plan's roles with
acknowledgement, agency notices in the outbox, the red flow level and simulated alarms as triggers,
drills, the closing report, and bad input."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from scenic_ops.core import outbox
from scenic_ops.core.models import OutboxMessage
from scenic_ops.service import incident_work, incidents
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import Incident, IncidentEvent, IncidentTask, PlanContact
from tests.receiver import Receiver
from tests.service.conftest import go_red


def test_an_incident_raised_twice_by_the_same_trigger_is_one_incident(service, zone):
    cableway = zone("cableway", name="索道上站")
    first = incidents.raise_incident("fire", "operations.alarm:42", zone="cableway", source="alarm")
    second = incidents.raise_incident("fire", "operations.alarm:42", zone="cableway", source="alarm")
    assert first.pk == second.pk and Incident.objects.count() == 1
    assert second.repeats == 1 and second.zone == cableway
    assert IncidentEvent.objects.filter(incident=first, kind="repeated").count() == 1
    tasks = IncidentTask.objects.filter(incident=first).count()
    assert tasks == 5  # the plan started once, not twice
    assert OutboxMessage.objects.filter(source=f"service:incident:{first.code}").count() == 5
    # a more severe repeat raises the level and starts what the higher level adds
    third = incidents.raise_incident("fire", "operations.alarm:42", level=1)
    assert third.pk == first.pk and third.level == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_trigger_raised_at_once_from_two_threads_is_one_incident(roles):
    from scenic_ops.service import setup

    setup.load()
    barrier = threading.Barrier(4)
    codes, errors = [], []

    def raise_it():
        try:
            barrier.wait(timeout=10)
            codes.append(incidents.raise_incident("special_equipment", "operations.alarm:cableway-1:estop").code)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=raise_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(set(codes)) == 1 and Incident.objects.count() == 1
    assert Incident.objects.get().repeats == 3


def test_plan_tasks_go_to_the_plan_roles_and_agencies_are_notified_through_the_outbox(service, make_user, zone):
    guard, engineer, clerk = make_user("security"), make_user("engineer"), make_user("ticket_clerk")
    zone("temple", name="古寺")
    incident = incidents.raise_incident("fire", None, zone="temple", reported_by=guard, title="古寺香炉起火")
    tasks = list(incident.tasks.order_by("order"))
    assert [t.owner_role for t in tasks] == ["security", "engineer", "dispatcher", "service_agent", "manager"]
    assert tasks[0].due_at == incident.raised_at + dt.timedelta(minutes=3)
    assert [t.title for t in incident_work.open_tasks_for(guard)] == [tasks[0].title]
    assert [t.title for t in incident_work.open_tasks_for(engineer)] == [tasks[1].title]
    assert list(incident_work.open_tasks_for(clerk)) == []
    notices = {n.kind: n for n in incident.notices.select_related("outbox")}
    assert set(notices) == {"fire", "medical", "police", "emergency", "tourism"}
    fire = notices["fire"].outbox
    assert fire.channel == "sms" and fire.status == "pending" and "古寺香炉起火" in fire.body
    assert "火灾" in fire.body and incident.code in fire.body
    # acknowledgement: only the task's role (or a commander)
    with pytest.raises(ServiceError) as refused:
        incident_work.acknowledge_task(tasks[0], clerk)
    assert refused.value.code == ServiceCode.NOT_YOUR_TASK
    incident_work.acknowledge_task(tasks[0], guard)
    incident_work.complete_task(tasks[0], guard, "已扑灭")
    tasks[0].refresh_from_db()
    assert tasks[0].state == "done" and tasks[0].acknowledged_by == guard
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds[:2] == ["raised", "notice"] and kinds.count("task") == 2 and "plan" in kinds


def test_a_webhook_agency_gets_a_signed_json_notice(service):
    from scenic_ops.service.models import EmergencyPlan

    with Receiver() as receiver:
        PlanContact.objects.create(
            plan=EmergencyPlan.objects.get(code="fire"),
            name="城市应急指挥平台",
            kind="emergency",
            channel="webhook",
            target=f"{receiver.url}/incidents",
        )
        incident = incidents.raise_incident("fire", "test:webhook")
        message = incident.notices.get(channel="webhook").outbox
        assert outbox.deliver(message.pk) == "sent"
    body = receiver.requests[0].json()
    assert body["code"] == incident.code and body["type"] == "fire" and body["level"] == 3


def test_a_red_flow_level_opens_one_over_capacity_incident(service, crowded_site, make_user):
    from scenic_ops.core import hooks
    from scenic_ops.flow.services.levels import announce_standing

    change = go_red()
    incident = Incident.objects.get()  # the flow.level_changed hook opened it at once
    assert announce_standing() == 1  # the minutely flow.levels_standing reports the same red episode
    assert incident.type.code == "over_capacity" and incident.source == "flow" and incident.level == 2
    assert incident.tasks.count() == 5 and incident.notices.count() == 3
    # reported again, and the change delivered twice: still one incident
    announce_standing()
    again = hooks.emit(
        "flow.level_changed",
        change_id=change.pk,
        zone_code=None,
        zone_name="",
        from_level="orange",
        to_level="red",
        at=change.at,
        cause=change.cause,
        count=change.count,
        capacity=change.capacity,
        now=change.at,
    )
    assert [i.pk for i in again if i is not None] == [incident.pk]
    assert Incident.objects.count() == 1 and Incident.objects.get().repeats == 3


def test_unknown_types_bad_levels_and_bad_triggers_are_refused_and_nothing_is_written(service):
    for kwargs, code in [
        ({"kind": "alien_invasion"}, ServiceCode.UNKNOWN_INCIDENT_TYPE),
        ({"kind": "fire", "level": 7}, ServiceCode.INVALID_LEVEL),
        ({"kind": "fire", "trigger_key": "has spaces"}, ServiceCode.INVALID_TRIGGER),
        ({"kind": "fire", "latitude": "91", "longitude": "0"}, ServiceCode.INVALID_LOCATION),
        ({"kind": "fire", "zone": "nowhere"}, ServiceCode.UNKNOWN_ZONE),
    ]:
        with pytest.raises(ServiceError) as refused:
            incidents.raise_incident(**kwargs)
        assert refused.value.code == code
    assert "fire" in ServiceError(ServiceCode.UNKNOWN_INCIDENT_TYPE, value="x", known="fire").detail
    assert not Incident.objects.exists() and not OutboxMessage.objects.exists()


def test_a_drill_runs_the_plan_but_tells_only_the_agencies_that_join_drills(service, make_user):
    manager = make_user("manager")
    drill = incident_work.start_drill("fire", manager)
    assert drill.is_drill and drill.source == "drill" and drill.tasks.count() == 5
    assert list(drill.notices.values_list("kind", flat=True)) == ["fire"]
    assert "【演练】" in drill.notices.get().body


def test_closing_needs_a_report_and_ends_the_open_tasks(service, make_user):
    manager = make_user("manager")
    incident = incidents.raise_incident("lost_person", None, title="儿童走失")
    with pytest.raises(ServiceError) as refused:
        incident_work.close(incident, manager, "  ")
    assert refused.value.code == ServiceCode.REPORT_MISSING
    draft = incident_work.draft_report(incident)
    assert "全园广播寻人" in draft
    incident_work.close(incident, manager, draft + "\n已在游客中心找到。")
    incident.refresh_from_db()
    assert incident.state == "closed" and "已在游客中心找到" in incident.closing_report
    assert not incident.tasks.exclude(state="skipped").exists()
    with pytest.raises(ServiceError):
        incident_work.close(incident, manager, "again")


def test_an_overdue_task_is_reported_to_the_managers_once(service, make_user):
    from scenic_ops.workflow.models import Notification

    manager = make_user("manager")
    incident = incidents.raise_incident("medical", None, now=timezone.now() - dt.timedelta(minutes=30))
    assert incident_work.remind_overdue() == 3
    assert incident_work.remind_overdue() == 0
    assert Notification.objects.filter(recipient=manager, event="incident_task_overdue").count() == 3
    assert incident.events.filter(kind="task").count() == 3
