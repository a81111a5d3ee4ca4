"""Complaints: SLA over the holiday calendar (configurable), the workflow with replies through the
outbox, the visitor's look-up and rating, and bad input that changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scenic_ops.core import outbox
from scenic_ops.core.models import OutboxMessage
from scenic_ops.service import complaints
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import Complaint, ComplaintReply
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.models import SlaTarget
from tests.service.conftest import PHONE, at


def test_complaint_sla_skips_the_national_day_holiday_and_counts_the_makeup_saturday(make_complaint, national_day_2025):
    # Tue 30 Sep 2025, 16:00: 1.5 working hours left that day, then Oct 1–8 are holidays.
    complaint = make_complaint(now=at("2025-09-30 16:00"))
    track = workflow.track_of(complaint)
    # response: 9 working hours → 1.5 h on Sep 30 + 7.5 h on Thu Oct 9 → 16:00
    assert track.response_due == at("2025-10-09 16:00")
    # resolution: 45 working hours → Sep 30 (1.5), Oct 9, 10, 11 (调休 Saturday), 13 (9 h each), Oct 14 (7.5 h)
    assert track.resolution_due == at("2025-10-14 16:00")
    # an urgent complaint: response within 1 working hour, resolution 9
    urgent = make_complaint(priority="urgent", now=at("2025-09-30 17:00"))
    urgent_track = workflow.track_of(urgent)
    assert urgent_track.response_due == at("2025-10-09 09:00")
    assert urgent_track.resolution_due == at("2025-10-09 17:00")


def test_complaint_time_limits_are_configurable_in_the_sla_policy(make_complaint, national_day_2025):
    """The regulator's limits change: the desk edits the SLA target; new complaints follow it."""
    target = SlaTarget.objects.get(policy__document_type="service.complaint", priority="")
    target.resolution_hours = Decimal("90")  # ten working days
    target.save()
    complaint = make_complaint(now=at("2025-09-26 08:30"))  # a Friday morning
    track = workflow.track_of(complaint)
    # Fri 26 (9), Sun 28 调休 (9), Mon 29 (9), Tue 30 (9), Oct 9, 10, 11, 13, 14, 15 (9 each) = 90
    assert track.resolution_due == at("2025-10-15 17:30")


def test_a_complaint_is_accepted_replied_by_sms_rated_and_closed(make_complaint, make_user):
    agent = make_user("service_agent")
    complaint = make_complaint(name="张三", email="zhang@example.com", order_ref="O-123", zone=None)
    assert complaint.state == "received"
    assert complaint.handler == agent  # the assignment rule gave it to the only agent
    receipts = OutboxMessage.objects.filter(dedupe_key__startswith=f"service:complaint:{complaint.pk}:received")
    assert {m.channel for m in receipts} == {"sms", "email"}
    assert complaint.code in receipts.get(channel="sms").body
    workflow.apply(complaint, "accept", agent)
    workflow.apply(complaint, "reply", agent, "已安排保洁每小时巡查厕所，对您的不便深表歉意。")
    complaint.refresh_from_db()
    assert complaint.state == "replied" and complaint.replied_at is not None
    reply = ComplaintReply.objects.get(complaint=complaint)
    assert reply.sent_to == ["sms", "email"]
    sms = OutboxMessage.objects.get(dedupe_key=f"service:complaint:reply:{reply.pk}:sms")
    assert "已安排保洁" in sms.body and complaint.code in sms.body
    assert outbox.deliver(sms.pk) == "sent"  # the development gateway records it
    # the visitor finds it with phone and code, sees the reply, and rates it
    found = complaints.lookup(" +86 139 1234 5678 ", complaint.code.lower())
    view = complaints.visitor_view(found)
    assert view["replies"][0].text.startswith("已安排保洁") and view["can_rate"]
    complaints.rate(found, 5, "很快")
    with pytest.raises(ServiceError) as again:
        complaints.rate(found, 4)
    assert again.value.code == ServiceCode.ALREADY_RATED
    workflow.apply(complaint, "close", agent)
    complaint.refresh_from_db()
    assert complaint.state == "closed" and complaint.closed_at and complaint.rating == 5


def test_a_serious_complaint_reply_is_sent_only_after_the_manager_approves(make_complaint, make_user):
    agent, manager = make_user("service_agent"), make_user("manager")
    complaint = make_complaint(severity="serious", category="safety")
    workflow.apply(complaint, "accept", agent)
    workflow.apply(complaint, "reply", agent, "护栏已修复。")
    complaint.refresh_from_db()
    assert complaint.state == "reply_review" and complaint.reply_draft == "护栏已修复。"
    assert not ComplaintReply.objects.filter(complaint=complaint).exists()
    workflow.apply(complaint, "approve", manager)
    complaint.refresh_from_db()
    assert complaint.state == "replied"
    assert ComplaintReply.objects.get(complaint=complaint).text == "护栏已修复。"


def test_an_unsatisfied_visitor_gets_the_complaint_reopened_and_can_rate_again(make_complaint, make_user):
    agent = make_user("service_agent")
    complaint = make_complaint()
    workflow.apply(complaint, "accept", agent)
    workflow.apply(complaint, "reply", agent, "已处理。")
    complaints.rate(Complaint.objects.get(pk=complaint.pk), 1, "没解决")
    from scenic_ops.workflow.models import Notification

    assert Notification.objects.filter(recipient=agent, event="complaint_rating").exists()
    complaint.refresh_from_db()
    workflow.apply(complaint, "reopen", agent, "游客不满意")
    complaint.refresh_from_db()
    assert complaint.state == "investigating" and complaint.reopen_count == 1 and complaint.rating is None
    workflow.apply(complaint, "reply", agent, "已重新处理并补偿。")
    complaints.rate(Complaint.objects.get(pk=complaint.pk), 4)
    assert ComplaintReply.objects.filter(complaint=complaint).count() == 2


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"description": "   "}, ServiceCode.TEXT_MISSING),
        ({"description": "长" * 2001}, ServiceCode.TEXT_TOO_LONG),
        ({"subject": "题" * 121}, ServiceCode.SUBJECT_TOO_LONG),
        ({"phone": ""}, ServiceCode.CONTACT_MISSING),
        ({"phone": "12345"}, ServiceCode.INVALID_PHONE),
        ({"email": "not-an-address"}, ServiceCode.INVALID_EMAIL),
        ({"category": "nonsense"}, ServiceCode.INVALID_CHOICE),
        ({"channel": "fax"}, ServiceCode.INVALID_CHOICE),
        ({"zone": "nowhere"}, ServiceCode.UNKNOWN_ZONE),
    ],
)
def test_bad_input_is_refused_with_a_clear_code_and_nothing_is_written(make_complaint, fields, code):
    with pytest.raises(ServiceError) as refused:
        make_complaint(**fields)
    assert refused.value.code == code and refused.value.detail
    assert not Complaint.objects.exists() and not OutboxMessage.objects.exists()


def test_markup_is_kept_as_text_and_a_hotline_call_may_have_a_landline(make_complaint, make_user):
    clerk = make_user("service_agent")
    complaint = make_complaint(
        description='<script>alert("x")</script> 票价不透明', channel="12345", phone="0512-66668888", entered_by=clerk
    )
    assert complaint.description.startswith("<script>")
    assert complaint.entered_by == clerk and complaint.phone_masked.startswith("051")


def test_the_lookup_needs_the_matching_phone_and_code(make_complaint):
    complaint = make_complaint()
    for phone, code in [("13900000000", complaint.code), (PHONE, "TS0000000000"), ("x", complaint.code), (PHONE, "")]:
        with pytest.raises(ServiceError) as refused:
            complaints.lookup(phone, code)
        assert refused.value.code == ServiceCode.LOOKUP_FAILED
    with pytest.raises(ServiceError) as early:
        complaints.rate(complaint, 5)
    assert early.value.code == ServiceCode.NOT_REPLIED


def test_the_same_form_sent_twice_is_one_complaint(make_complaint):
    first = make_complaint(client_token="form-abc-123")
    second = make_complaint(client_token="form-abc-123")
    assert first.pk == second.pk and Complaint.objects.count() == 1
