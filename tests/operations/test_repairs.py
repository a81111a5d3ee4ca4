"""Repair tickets under the default repair workflow: SLA, costly repairs wait for the manager,
work and downtime stamps, crew actions from phones, and MTTR/MTBF from known histories."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scenic_ops.operations import selectors
from scenic_ops.operations.errors import OpsError
from scenic_ops.operations.models import RepairTicket, RepairWorkLog
from scenic_ops.operations.services import repairs
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.errors import WorkflowError
from tests.operations.conftest import at, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(make_user):
    return {
        "dispatcher": make_user("dispatcher", display_name="吴婷"),
        "engineer": make_user("engineer", display_name="赵磊"),
        "manager": make_user("manager", display_name="李慧敏"),
        "inspector": make_user("inspector", display_name="孙浩"),
    }


def accept_and_start(ticket, crew):
    workflow.apply(ticket, "accept", crew["dispatcher"])
    ticket.refresh_from_db()
    assert ticket.assignee == crew["engineer"]  # the workflow's zone/skill rule on "assigned"
    repairs.crew_action(ticket, crew["engineer"], "start", client_id="start-0000001")
    ticket.refresh_from_db()


def test_a_costly_repair_waits_for_the_managers_approval(make_asset, crew):
    from django.utils import timezone

    from scenic_ops.core.models import Department
    from scenic_ops.governance.models import Budget

    engineering = Department.objects.create(code="engineering", name="工程运维部")
    Budget.objects.create(  # the cost is checked against the department's repair budget when approved
        title="维修费",
        fiscal_year=timezone.localdate().year,
        department=engineering,
        category="repair",
        amount=Decimal("50000"),
        state="approved",
    )
    gate = make_asset("gate", department=engineering)
    ticket = repairs.report(
        title="闸机主板烧毁", asset=gate, reported_by=crew["inspector"], estimated_cost="8000", priority="high"
    )
    assert ticket.state == "reported" and ticket.resolution_due is not None
    accept_and_start(ticket, crew)
    assert ticket.state == "in_progress" and ticket.work_started_at is not None
    repairs.crew_action(ticket, crew["engineer"], "finish", note="已更换主板", client_id="finish-000001")
    ticket.refresh_from_db()
    assert ticket.state == "cost_review"
    # Not the engineer, not the dispatcher: only a manager approves the cost
    for who in ("engineer", "dispatcher"):
        with pytest.raises(WorkflowError) as error:
            workflow.apply(ticket, "approve", crew[who])
        assert error.value.code == "workflow_not_allowed"
    assert [a.action for a in workflow.available_actions(ticket, crew["manager"])] == ["approve", "reject"]
    workflow.apply(ticket, "approve", crew["manager"], "同意")
    ticket.refresh_from_db()
    assert ticket.state == "done"
    workflow.apply(ticket, "accept_work", crew["inspector"])  # the reporter accepts the work
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.verified_by == crew["inspector"] and ticket.restored_at


def test_a_cheap_repair_goes_straight_to_acceptance(make_asset, crew):
    ticket = repairs.report(
        title="灯不亮", asset=make_asset("lamp"), reported_by=crew["inspector"], estimated_cost="300"
    )
    accept_and_start(ticket, crew)
    repairs.crew_action(ticket, crew["engineer"], "finish", client_id="finish-000002")
    ticket.refresh_from_db()
    assert ticket.state == "done"


def test_the_cost_entered_at_finish_decides_the_approval(make_asset, crew):
    ticket = repairs.report(title="索道轮衬磨损", asset=make_asset("cableway"), reported_by=crew["inspector"])
    accept_and_start(ticket, crew)
    repairs.crew_action(
        ticket,
        crew["engineer"],
        "finish",
        estimated_cost="12000.50",
        parts=[{"name": "轮衬", "quantity": 24, "unit_cost": "450"}],
        client_id="finish-000003",
    )
    ticket.refresh_from_db()
    assert ticket.state == "cost_review"
    assert ticket.parts_cost == Decimal("10800.00") and ticket.estimated_cost == Decimal("12000.50")


def test_pause_needs_a_reason_and_stops_the_sla_clock(make_asset, crew):
    ticket = repairs.report(title="游船电机异响", asset=make_asset("boat"), reported_by=crew["inspector"])
    accept_and_start(ticket, crew)
    with pytest.raises(WorkflowError) as error:
        repairs.crew_action(ticket, crew["engineer"], "pause", client_id="pause-0000001")
    assert error.value.code == "workflow_comment_required"
    assert not RepairWorkLog.objects.filter(action="pause").exists()
    repairs.crew_action(ticket, crew["engineer"], "pause", note="等轴承到货", client_id="pause-0000002")
    ticket.refresh_from_db()
    assert ticket.state == "on_hold" and ticket.sla_status == "paused"
    repairs.crew_action(ticket, crew["engineer"], "resume", client_id="resume-000001")
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"


def test_only_the_assignee_may_start(make_asset, crew, make_user):
    other = make_user("engineer")
    ticket = repairs.report(title="摄像机黑屏", asset=make_asset("camera"), reported_by=crew["inspector"])
    workflow.apply(ticket, "accept", crew["dispatcher"])
    ticket.refresh_from_db()
    outsider = other if ticket.assignee != other else crew["engineer"]
    with pytest.raises(WorkflowError):
        repairs.crew_action(ticket, outsider, "start", client_id="start-0000009")
    assert not RepairWorkLog.objects.exists()


def test_crew_actions_are_idempotent_by_client_id(make_asset, crew):
    ticket = repairs.report(title="厕所冲水故障", asset=make_asset("toilet"), reported_by=crew["inspector"])
    workflow.apply(ticket, "accept", crew["dispatcher"])
    ticket.refresh_from_db()
    first = repairs.crew_action(ticket, crew["engineer"], "start", photos=[photo()], client_id="start-0000005")
    again = repairs.crew_action(ticket, crew["engineer"], "start", photos=[photo()], client_id="start-0000005")
    assert first.pk == again.pk
    assert RepairWorkLog.objects.count() == 1 and ticket.photos.filter(stage="before").count() == 1


def test_reports_are_idempotent_and_check_their_input(crew, make_asset):
    one = repairs.report(title="护栏松动", reported_by=crew["inspector"], client_id="report-000001")
    two = repairs.report(title="护栏松动", reported_by=crew["inspector"], client_id="report-000001")
    assert one.pk == two.pk and RepairTicket.objects.count() == 1
    for bad, code in (
        ({"title": "  "}, "ops_title_missing"),
        ({"title": "x", "estimated_cost": "-5"}, "ops_invalid_cost"),
        ({"title": "x", "latitude": 120, "longitude": 31}, "ops_invalid_position"),
        ({"title": "x", "client_id": "bad id!"}, "ops_invalid_client_id"),
        ({"title": "x", "photos": [photo("a.png", b"GIF89a fake")]}, "ops_not_an_image"),
    ):
        with pytest.raises(OpsError) as error:
            repairs.report(reported_by=crew["inspector"], **bad)
        assert error.value.code == code
    assert RepairTicket.objects.count() == 1


def test_asset_status_follows_its_repairs(make_asset, crew):
    gate = make_asset("gate")
    ticket = repairs.report(title="闸机不开", asset=gate, reported_by=crew["inspector"], priority="urgent")
    gate.refresh_from_db()
    assert gate.status == "out_of_order"
    accept_and_start(ticket, crew)
    gate.refresh_from_db()
    assert gate.status == "in_maintenance"
    repairs.crew_action(ticket, crew["engineer"], "finish", client_id="finish-000009")
    gate.refresh_from_db()
    assert gate.status == "in_service"


# --- MTTR / MTBF ---------------------------------------------------------------------------------


def test_mttr_and_mtbf_from_a_known_history():
    start, end = at("2026-05-01 00:00"), at("2026-05-11 00:00")  # 240 hours
    history = [
        (at("2026-05-02 08:00"), at("2026-05-02 10:00")),  # 2 h
        (at("2026-05-05 12:00"), at("2026-05-05 18:00")),  # 6 h
        (at("2026-05-09 09:00"), at("2026-05-09 13:00")),  # 4 h
    ]
    figures = selectors.reliability_of(history, start, end)
    assert figures.failures == 3 and figures.repairs == 3
    assert figures.mttr_hours == pytest.approx(4.0)  # (2 + 6 + 4) / 3
    assert figures.downtime_hours == pytest.approx(12.0)
    assert figures.mtbf_hours == pytest.approx((240 - 12) / 3)  # 76 h
    assert figures.availability == pytest.approx(228 / 240)


def test_mttr_and_mtbf_at_the_window_edges_and_while_down():
    start, end = at("2026-05-01 00:00"), at("2026-05-02 00:00")  # 24 hours
    history = [
        (at("2026-04-30 22:00"), at("2026-05-01 02:00")),  # began before: repaired inside (4 h), 2 h down inside
        (at("2026-05-01 20:00"), None),  # still down: 4 h inside, no repair yet
    ]
    figures = selectors.reliability_of(history, start, end)
    assert figures.failures == 1 and figures.repairs == 1
    assert figures.mttr_hours == pytest.approx(4.0)
    assert figures.downtime_hours == pytest.approx(6.0)
    assert figures.mtbf_hours == pytest.approx(18.0)
    none = selectors.reliability_of([], start, end)
    assert (none.mttr_hours, none.mtbf_hours, none.availability) == (None, None, 1.0)


def test_asset_reliability_reads_its_tickets(make_asset, crew):
    boat = make_asset("boat")
    now = at("2026-05-31 00:00")
    for failed, restored in (("2026-05-10 09:00", "2026-05-10 12:00"), ("2026-05-20 09:00", "2026-05-20 10:00")):
        ticket = repairs.report(
            title="故障", asset=boat, reported_by=crew["inspector"], failure_at=at(failed), now=at(failed)
        )
        RepairTicket.objects.filter(pk=ticket.pk).update(restored_at=at(restored))
    rejected = repairs.report(
        title="误报", asset=boat, reported_by=crew["inspector"], failure_at=at("2026-05-25 09:00")
    )
    workflow.apply(rejected, "reject", crew["dispatcher"], "不是故障")
    figures = selectors.asset_reliability(boat, days=30, now=now)
    assert figures.failures == 2
    assert figures.mttr_hours == pytest.approx(2.0)
    assert figures.mtbf_hours == pytest.approx((30 * 24 - 4) / 2)
