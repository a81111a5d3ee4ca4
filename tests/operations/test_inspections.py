"""Inspection rounds: the daily job creates exactly the due tasks once, submissions are checked
before anything is saved, failures open linked repair tickets, overdue tasks remind and escalate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from scenic_ops.core import scheduling
from scenic_ops.operations.errors import OpsError
from scenic_ops.operations.models import InspectionPlan, InspectionResult, InspectionTask, RepairTicket
from scenic_ops.operations.services import inspections
from scenic_ops.workflow.models import Notification
from tests.operations.conftest import at, photo

pytestmark = pytest.mark.django_db


def test_daily_job_creates_exactly_the_due_tasks_once_even_if_run_twice(make_plan, make_user):
    crew = [make_user("inspector"), make_user("inspector")]
    monday = at("2026-06-01 00:05")  # a Monday
    due = [
        make_plan(name="每日巡检"),
        make_plan(name="周一三五", frequency="weekly", weekdays=[1, 3, 5]),
        make_plan(name="每月1日和15日", frequency="cron", cron="0 9 1,15 * *"),
        make_plan(name="有效期内", valid_from=dt.date(2026, 5, 1), valid_until=dt.date(2026, 6, 30)),
    ]
    make_plan(name="周二", frequency="weekly", weekdays=[2])
    make_plan(name="每月10日", frequency="cron", cron="0 9 10 * *")
    make_plan(name="停用", active=False)
    make_plan(name="已过期", valid_until=dt.date(2026, 5, 31))
    make_plan(name="错误的cron", frequency="cron", cron="not a cron")

    job = scheduling.get("ops_inspection_tasks").func
    first = job(now=monday)
    second = job(now=monday + dt.timedelta(hours=3))
    assert first["created"] == 4 and second == {"created": 0, "existing": 4, "missed": 0}
    tasks = InspectionTask.objects.filter(day=dt.date(2026, 6, 1))
    assert sorted(t.plan.name for t in tasks) == sorted(p.name for p in due)
    assert tasks.count() == 4
    # Assigned among the role, evenly; with start and due times from the plan
    counts = {u.pk: tasks.filter(assignee=u).count() for u in crew}
    assert sorted(counts.values()) == [2, 2]
    task = tasks.get(plan=due[0])
    assert timezone.localtime(task.starts_at).time() == dt.time(8, 0)
    assert task.due_at - task.starts_at == dt.timedelta(minutes=240)
    assert Notification.objects.filter(recipient=task.assignee, event="inspection").exists()


def test_the_job_run_through_the_registry_logs_and_is_idempotent(make_plan, make_user):
    make_user("inspector")
    make_plan()
    assert scheduling.run_job("ops_inspection_tasks")
    scheduling.run_job("ops_inspection_tasks")
    assert InspectionTask.objects.count() == 1


def test_unfinished_tasks_of_past_days_become_missed(make_plan, make_user):
    make_user("inspector")
    make_plan()
    inspections.create_daily_tasks(dt.date(2026, 6, 1), now=at("2026-06-01 00:05"))
    result = inspections.create_daily_tasks(dt.date(2026, 6, 2), now=at("2026-06-02 00:05"))
    assert result["missed"] == 1
    assert InspectionTask.objects.get(day=dt.date(2026, 6, 1)).state == "missed"


def test_fixed_assignee_and_team(make_plan, make_user):
    from scenic_ops.core.models import Department

    team = Department.objects.create(code="eng", name="工程部")
    outsider = make_user("inspector")
    member = make_user("inspector", department=team)
    plan = make_plan(department=team)
    fixed = make_plan(assignee=outsider)
    inspections.create_daily_tasks(dt.date(2026, 6, 1), now=at("2026-06-01 00:05"))
    assert InspectionTask.objects.get(plan=plan).assignee == member
    assert InspectionTask.objects.get(plan=fixed).assignee == outsider


# --- submissions -----------------------------------------------------------------------------


@pytest.fixture
def round_(make_plan, make_user, make_asset, zone):
    """A gate round for today, assigned to an inspector; an engineer in the gate's zone."""
    south = zone("gate-s", lat="31.2301", lng="120.4102")
    inspector = make_user("inspector", display_name="孙浩")
    engineer = make_user("engineer", display_name="赵磊", skills=["electrical"])
    engineer.zones.set([south])
    gate = make_asset("gate", code="gate-s-1", name="南门闸机1", zone=south)
    plan = make_plan(points=[gate], zone=south)
    inspections.create_daily_tasks()
    task = InspectionTask.objects.get(plan=plan)
    items = {i.label: i for i in plan.template.items.all()}
    point = plan.points.get()
    return {"task": task, "inspector": inspector, "engineer": engineer, "gate": gate, "items": items, "point": point}


def answers(r, *, working="yes", volts="220", note="") -> list[dict]:
    point = r["point"].pk
    return [
        {"point": point, "item": r["items"]["闸机运转正常"].pk, "value": working, "note": note, "photo": "p1"},
        {"point": point, "item": r["items"]["电压"].pk, "value": volts},
        {"point": point, "item": r["items"]["备注"].pk, "value": ""},
    ]


def test_a_passing_round_completes_the_task_without_tickets(round_):
    result = inspections.submit(
        round_["task"],
        round_["inspector"],
        answers(round_),
        submission_id="sub-00000001",
        latitude=31.23,
        longitude=120.41,
    )
    assert (result.results, result.failed, result.tickets) == (3, 0, [])
    task = round_["task"]
    task.refresh_from_db()
    assert task.state == "done" and task.completed_by == round_["inspector"] and task.latitude == Decimal("31.230000")


def test_a_failed_item_opens_a_repair_ticket_linked_to_asset_and_inspection(round_):
    files = {"p1": photo("broken.png")}
    result = inspections.submit(
        round_["task"], round_["inspector"], answers(round_, working="no", note="闸门卡住"), files=files,
        submission_id="sub-00000002", latitude=31.2301, longitude=120.4102, accuracy_m=12,
    )  # fmt: skip
    assert result.failed == 1 and len(result.tickets) == 1
    ticket = RepairTicket.objects.get(pk=result.tickets[0])
    failed = InspectionResult.objects.get(task=round_["task"], passed=False)
    assert ticket.inspection_task == round_["task"] and ticket.inspection_result == failed
    assert ticket.asset == round_["gate"] and ticket.source == "inspection"
    assert ticket.reported_by == round_["inspector"] and "闸门卡住" in ticket.description
    assert ticket.assignee == round_["engineer"]  # assigned by rule: zone and skill
    assert ticket.resolution_due is not None and ticket.sla_status == "on_track"
    assert failed.photo.name and ticket.photos.get().file.name == failed.photo.name
    assert (failed.latitude, failed.accuracy_m) == (Decimal("31.230100"), 12)


def test_a_reading_outside_the_normal_range_fails_the_item(round_):
    result = inspections.submit(
        round_["task"],
        round_["inspector"],
        answers(round_, volts="250"),
        files={"p1": photo()},
        submission_id="sub-00000003",
    )
    assert result.failed == 1
    assert InspectionResult.objects.get(passed=False).item.label == "电压"


def test_an_answer_out_of_range_is_refused_and_nothing_is_saved(round_, media_root):
    with pytest.raises(OpsError) as error:
        inspections.submit(
            round_["task"], round_["inspector"], answers(round_, working="no", volts="4000"),
            files={"p1": photo()}, submission_id="sub-00000004",
        )  # fmt: skip
    assert error.value.code == "ops_answer_out_of_range"
    assert "4000" in error.value.detail and "400" in error.value.detail
    task = round_["task"]
    task.refresh_from_db()
    assert task.state == "pending"
    assert not InspectionResult.objects.exists() and not RepairTicket.objects.exists()
    assert not list(media_root.rglob("*.png"))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"working": "maybe"}, "ops_answer_invalid"),
        ({"working": ""}, "ops_answer_missing"),
        ({"volts": "abc"}, "ops_answer_invalid"),
        ({"working": "no", "photo": False}, "ops_photo_missing"),
    ],
)
def test_bad_answers_get_clear_codes(round_, change, code):
    with_photo = change.pop("photo", True)
    with pytest.raises(OpsError) as error:
        inspections.submit(
            round_["task"], round_["inspector"], answers(round_, **change), files={"p1": photo()} if with_photo else {}
        )
    assert error.value.code == code
    assert not InspectionResult.objects.exists()


def test_an_oversized_or_fake_photo_is_refused_and_nothing_is_saved(round_, media_root):
    big = photo("huge.jpg", b"\xff\xd8\xff" + b"0" * (9 * 1024 * 1024))
    with pytest.raises(OpsError) as error:
        inspections.submit(round_["task"], round_["inspector"], answers(round_, working="no"), files={"p1": big})
    assert (error.value.code, error.value.status) == ("ops_file_too_large", 413)
    with pytest.raises(OpsError) as error:
        inspections.submit(
            round_["task"],
            round_["inspector"],
            answers(round_, working="no"),
            files={"p1": photo("x.png", b"not a picture")},
        )
    assert error.value.code == "ops_not_an_image"
    assert not InspectionResult.objects.exists() and not RepairTicket.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_the_same_submission_again_returns_the_first_answer(round_):
    first = inspections.submit(
        round_["task"],
        round_["inspector"],
        answers(round_, working="no"),
        files={"p1": photo()},
        submission_id="sub-00000005",
    )
    again = inspections.submit(
        round_["task"],
        round_["inspector"],
        answers(round_, working="no"),
        files={"p1": photo()},
        submission_id="sub-00000005",
    )
    assert again.replayed and again.tickets == first.tickets
    assert InspectionResult.objects.count() == 3 and RepairTicket.objects.count() == 1
    with pytest.raises(OpsError) as error:
        inspections.submit(round_["task"], round_["inspector"], answers(round_), submission_id="sub-00000006")
    assert (error.value.code, error.value.status) == ("ops_task_done", 409)


def test_only_the_assignee_or_a_supervisor_may_submit(round_, make_user):
    stranger = make_user("inspector")
    with pytest.raises(OpsError) as error:
        inspections.submit(round_["task"], stranger, answers(round_))
    assert error.value.code == "ops_not_your_task"
    supervisor = make_user("dispatcher")  # may change inspection tasks
    assert inspections.submit(round_["task"], supervisor, answers(round_)).results == 3


def test_other_item_kinds(make_plan, make_user):
    import base64

    from tests.operations.conftest import png_bytes

    inspector = make_user("inspector")
    plan = make_plan(
        items=[
            {"label": "卫生", "kind": "choice", "choices": ["好", "一般", "差"], "failing_choices": ["差"]},
            {"label": "现场照片", "kind": "photo"},
            {"label": "签名", "kind": "signature"},
        ],
        assignee=inspector,
    )
    inspections.create_daily_tasks()
    task = InspectionTask.objects.get(plan=plan)
    items = {i.label: i.pk for i in plan.template.items.all()}
    signature = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    base = [
        {"item": items["卫生"], "value": "差"},
        {"item": items["现场照片"], "photo": "scene"},
        {"item": items["签名"], "value": signature},
    ]
    with pytest.raises(OpsError) as error:
        inspections.submit(task, inspector, base, files={})
    assert error.value.code == "ops_photo_missing"
    with pytest.raises(OpsError) as error:
        inspections.submit(
            task, inspector, [base[0], base[1], {"item": items["签名"], "value": ""}], files={"scene": photo()}
        )
    assert error.value.code == "ops_signature_missing"
    result = inspections.submit(task, inspector, base, files={"scene": photo()})
    assert result.failed == 1
    signed = InspectionResult.objects.get(item_id=items["签名"])
    assert signed.photo.name.endswith(".png")


def test_a_task_of_a_later_day_cannot_be_filled_in(make_plan, make_user):
    inspector = make_user("inspector")
    plan = make_plan(assignee=inspector)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    inspections.create_daily_tasks(tomorrow)
    with pytest.raises(OpsError) as error:
        inspections.submit(InspectionTask.objects.get(plan=plan), inspector, [])
    assert error.value.code == "ops_task_not_started"


# --- overdue -----------------------------------------------------------------------------------


def test_overdue_tasks_remind_once_then_escalate_once(make_plan, make_user):
    from scenic_ops.core.models import Department

    head = make_user("manager")
    team = Department.objects.create(code="patrol", name="巡检队", head=head)
    inspector = make_user("inspector", department=team)
    make_plan(department=team, start_time=dt.time(8, 0), duration_minutes=120, escalate_after_minutes=60)
    day = dt.date(2026, 6, 1)
    inspections.create_daily_tasks(day, now=at("2026-06-01 00:05"))
    task = InspectionTask.objects.get()
    assert inspections.remind_overdue(now=at("2026-06-01 09:59")) == {"reminded": 0, "escalated": 0}
    assert inspections.remind_overdue(now=at("2026-06-01 10:01")) == {"reminded": 1, "escalated": 0}
    assert inspections.remind_overdue(now=at("2026-06-01 10:30")) == {"reminded": 0, "escalated": 0}
    assert inspections.remind_overdue(now=at("2026-06-01 11:01")) == {"reminded": 0, "escalated": 1}
    assert inspections.remind_overdue(now=at("2026-06-01 12:00")) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(recipient=inspector, event="inspection_overdue").count() == 1
    assert Notification.objects.filter(recipient=head, event="inspection_escalated").count() == 1
    task.refresh_from_db()
    assert task.reminded_at and task.escalated_at
    assert InspectionPlan.objects.count() == 1
