"""SLA due times over the holiday calendar, pauses, breach warnings, escalation (the scheduled jobs)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from scenic_ops.core import calendar
from scenic_ops.core.models import CalendarDay
from scenic_ops.core.scheduling import registry as job_registry
from scenic_ops.workflow import jobs, services
from scenic_ops.workflow.models import EscalationRule, Notification, NotificationRule, SlaPolicy, SlaTarget
from scenic_ops.workflow.services import timers
from tests.workflow.conftest import BASIC, at


@pytest.fixture
def national_day_2025(db):
    """The 2025 National Day break: Oct 1–8 off, Sunday Sep 28 and Saturday Oct 11 worked (调休)."""
    CalendarDay.objects.create(date=dt.date(2025, 9, 28), kind="workday", name="国庆节")
    CalendarDay.objects.create(date=dt.date(2025, 10, 11), kind="workday", name="国庆节")
    for day in range(1, 9):
        CalendarDay.objects.create(date=dt.date(2025, 10, day), kind="holiday", name="国庆节")
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def policy(db):
    policy = SlaPolicy.objects.create(name="test sla", document_type="workflow.approvalrequest", warn_at_percent=80)
    SlaTarget.objects.create(policy=policy, priority="", response_hours=Decimal(4), resolution_hours=Decimal(30))
    SlaTarget.objects.create(policy=policy, priority="urgent", response_hours=Decimal(1), resolution_hours=Decimal(4))
    return policy


def test_sla_due_across_a_weekend_a_public_holiday_and_a_make_up_workday(
    national_day_2025, policy, make_workflow, make_request, make_user
):
    make_workflow()
    # Friday 16:30. 30 working hours (08:30–17:30): Fri 1 h; Sat off; Sun 28th is a 调休 working day (9 h);
    # Mon 29th 9 h; Tue 30th 9 h; Oct 1–8 holiday (incl. the weekend); Thu Oct 9th the last 2 h.
    doc = make_request(make_user("ticket_clerk"), now=at("2025-09-26 16:30"))
    track = services.track_of(doc)
    assert track.sla_policy == policy and track.sla_status == "on_track"
    assert track.resolution_due == at("2025-10-09 10:30")
    assert track.response_due == at("2025-09-28 11:30")  # Fri 1 h + 3 h on the worked Sunday
    assert track.warn_at == at("2025-09-30 13:30")  # 80 % = 24 h: Fri 1, Sun 9, Mon 9, Tue 5


def test_without_the_holiday_table_the_due_time_would_differ(policy, make_workflow, make_request, make_user):
    make_workflow()
    doc = make_request(make_user("ticket_clerk"), now=at("2025-09-26 16:30"))
    # plain weeks: Fri 1 h, Mon–Wed 27 h, Thu Oct 2nd 2 h
    assert services.track_of(doc).resolution_due == at("2025-10-02 10:30")


def test_priority_picks_the_target(national_day_2025, policy, make_workflow, make_request, make_user):
    make_workflow()
    doc = make_request(make_user("ticket_clerk"), priority="urgent", now=at("2025-09-30 15:00"))
    track = services.track_of(doc)
    assert track.priority == "urgent"
    assert track.resolution_due == at("2025-10-09 10:00")  # 2.5 h on Sep 30, then 1.5 h after the holiday


PAUSING = copy.deepcopy(BASIC)
PAUSING["states"].append({"code": "on_hold", "label": "暂停", "pauses_sla": True})
PAUSING["transitions"] += [
    {"from": "review", "action": "hold", "label": "暂停", "to": "on_hold", "roles": ["finance"]},
    {"from": "on_hold", "action": "resume", "label": "继续", "to": "review", "roles": ["finance"]},
]


def test_a_pause_costs_no_working_time(national_day_2025, policy, make_workflow, make_request, make_user):
    SlaTarget.objects.filter(policy=policy, priority="").update(resolution_hours=Decimal(17))
    make_workflow(PAUSING)
    requester, finance = make_user("ticket_clerk"), make_user("finance")
    doc = make_request(requester, now=at("2025-09-29 09:00"))
    services.apply(doc, "submit", requester, now=at("2025-09-29 09:00"))
    assert services.track_of(doc).resolution_due == at("2025-09-30 17:00")  # Mon 8.5 h + Tue 8.5 h
    services.apply(doc, "hold", finance, now=at("2025-09-29 10:00"))  # 16 h of working time left
    track = services.track_of(doc)
    assert track.sla_status == "paused" and track.responded_at == at("2025-09-29 10:00")
    assert timers.check_sla(now=at("2025-10-05 12:00")) == {"warning": 0, "response": 0, "resolution": 0}
    services.apply(doc, "resume", finance, now=at("2025-10-09 09:00"))
    track = services.track_of(doc)
    # Thu Oct 9th 09:00–17:30 is 8.5 h, the other 7.5 h end Friday at 16:00
    assert track.resolution_due == at("2025-10-10 16:00")
    assert track.sla_status == "on_track" and track.paused_since is None


def test_breach_warnings_and_breaches_are_found_by_the_job_once(
    national_day_2025, policy, make_workflow, make_request, make_user
):
    make_workflow()
    manager = make_user("manager")
    NotificationRule.objects.create(
        name="breach",
        document_type="workflow.approvalrequest",
        event="sla_breached",
        recipient_roles=["manager"],
        subject="超时：{{ document }}",
        message="应于 {{ due }} 前完成",
    )
    NotificationRule.objects.create(
        name="warn",
        document_type="workflow.approvalrequest",
        event="sla_warning",
        recipient_roles=["manager"],
        subject="即将超时：{{ document }}",
    )
    requester = make_user("ticket_clerk")
    doc = make_request(requester, now=at("2025-09-26 16:30"))
    assert timers.check_sla(now=at("2025-09-26 17:00")) == {"warning": 0, "response": 0, "resolution": 0}
    assert timers.check_sla(now=at("2025-09-28 12:00")) == {"warning": 0, "response": 1, "resolution": 0}
    assert timers.check_sla(now=at("2025-09-30 13:00")) == {"warning": 0, "response": 0, "resolution": 0}
    assert timers.check_sla(now=at("2025-09-30 14:00")) == {"warning": 1, "response": 0, "resolution": 0}
    assert services.track_of(doc).sla_status == "breached"
    assert jobs.workflow_sla_check_task(now=at("2025-10-09 11:00")) == {
        "warning": 0,
        "response": 0,
        "resolution": 1,
    }
    assert timers.check_sla(now=at("2025-10-10 11:00")) == {"warning": 0, "response": 0, "resolution": 0}
    subjects = sorted(Notification.objects.filter(recipient=manager).values_list("subject", flat=True))
    title = doc.__str__()
    assert subjects == [f"即将超时：{title}", f"超时：{title}", f"超时：{title}"]
    assert [e.action for e in services.history(doc) if e.kind == "sla"] == [
        "sla_breached",
        "sla_warning",
        "sla_breached",
    ]


@pytest.fixture
def escalation_setup(make_workflow, make_request, make_user):
    make_workflow()
    boss = make_user("engineer", display_name="上级")
    finance = make_user("finance", display_name="会计")
    finance.manager = boss
    finance.save()
    requester = make_user("ticket_clerk")
    rule = EscalationRule.objects.create(
        name="review waits 2h", document_type="workflow.approvalrequest", state="review", after_hours=Decimal(2)
    )
    return {"boss": boss, "finance": finance, "requester": requester, "rule": rule, "make_request": make_request}


def test_escalation_hands_a_waiting_document_to_the_next_level(escalation_setup, national_day_2025):
    s = escalation_setup
    doc = s["make_request"](s["requester"], now=at("2025-09-29 09:00"))
    services.apply(doc, "submit", s["requester"], now=at("2025-09-29 09:00"))
    assert services.available_actions(doc, s["boss"]) == []
    assert timers.check_escalations(now=at("2025-09-29 10:59")) == 0
    assert jobs.workflow_escalations_task(now=at("2025-09-29 11:01")) == "escalated=1"
    assert timers.check_escalations(now=at("2025-09-29 15:00")) == 0  # once per rule and round

    track = services.track_of(doc)
    assert track.escalation_level == 1 and list(track.escalated_to.all()) == [s["boss"]]
    entry = services.history(doc).filter(kind="escalate").get()
    assert "上级" in entry.comment
    assert Notification.objects.filter(recipient=s["boss"], event="escalated").count() == 1
    actions = {a.action: a for a in services.available_actions(doc, s["boss"])}
    assert actions["approve"].escalated
    assert services.apply(doc, "approve", s["boss"], "超时，由上级审批").moved
    track = services.track_of(doc)
    assert track.escalation_level == 0 and not track.escalated_to.exists()


def test_escalation_counts_working_hours(escalation_setup, national_day_2025):
    s = escalation_setup
    doc = s["make_request"](s["requester"], now=at("2025-09-26 17:00"))
    services.apply(doc, "submit", s["requester"], now=at("2025-09-26 17:00"))
    # 0.5 h on Friday, nothing on Saturday, 1.5 h on the worked Sunday: due Sunday 10:00
    assert timers.check_escalations(now=at("2025-09-27 12:00")) == 0
    assert timers.check_escalations(now=at("2025-09-28 09:59")) == 0
    assert timers.check_escalations(now=at("2025-09-28 10:01")) == 1


def test_a_second_level_follows_the_first(escalation_setup, make_user):
    s = escalation_setup
    manager = make_user("manager")
    EscalationRule.objects.create(
        name="review waits 4h",
        document_type="workflow.approvalrequest",
        state="review",
        after_hours=Decimal(4),
        to_approvers_managers=False,
        to_roles=["manager"],
    )
    doc = s["make_request"](s["requester"], now=at("2026-03-02 09:00"))
    services.apply(doc, "submit", s["requester"], now=at("2026-03-02 09:00"))
    assert timers.check_escalations(now=at("2026-03-02 11:30")) == 1
    assert timers.check_escalations(now=at("2026-03-02 13:30")) == 1
    track = services.track_of(doc)
    assert track.escalation_level == 2
    assert set(track.escalated_to.all()) == {s["boss"], manager}


def test_the_jobs_are_registered():
    names = set(job_registry())
    assert {"workflow_sla_check", "workflow_escalations", "workflow_date_reminders"} <= names
