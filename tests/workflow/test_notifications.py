"""Notification rules: events, conditions, recipients, channels through the outbox, dead letters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scenic_ops.core import gateways, outbox, pii
from scenic_ops.core.models import OutboxMessage, RecordedMessage, SystemAlert
from scenic_ops.workflow import services
from scenic_ops.workflow.models import Notification, NotificationRule
from scenic_ops.workflow.services import notifications, timers
from tests.workflow.conftest import at


class FailingSmsGateway:
    """An SMS gateway that is down."""

    def send(self, message, target):
        raise gateways.GatewayError("HTTP 503: gateway unavailable")


def rule(**fields) -> NotificationRule:
    fields.setdefault("name", f"rule-{NotificationRule.objects.count() + 1}")
    fields.setdefault("document_type", "workflow.approvalrequest")
    fields.setdefault("subject", "{{ document }}")
    users = fields.pop("users", [])
    created = NotificationRule.objects.create(**fields)
    created.recipient_users.set(users)
    return created


@pytest.fixture
def cast(make_user, make_department):
    head = make_user("manager", display_name="王主任")
    requester = make_user("ticket_clerk", display_name="张丽", department=make_department(head=head))
    finance = make_user("finance", display_name="郑芳")
    finance.email = "zhengfang@example.cn"
    pii.assign(finance, "phone", "13905120001", kind="phone")
    finance.save()
    return {"head": head, "requester": requester, "finance": finance, "bystander": make_user("engineer")}


def test_state_entered_tells_the_next_approvers_on_every_channel(make_workflow, make_request, cast):
    make_workflow()
    rule(
        event="state_entered",
        state="review",
        to_approvers=True,
        email=True,
        sms=True,
        wecom=True,
        wecom_webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        subject="待审批：{{ title }}",
        message="{{ requester }} 申请 {{ amount }} 元，状态 {{ state }}",
        subject_en="To approve: {{ title }}",
    )
    doc = make_request(cast["requester"], amount="1234.5", title="打印机")
    assert Notification.objects.count() == 0
    services.apply(doc, "submit", cast["requester"])
    note = Notification.objects.get(recipient=cast["finance"])
    assert note.subject == "待审批：打印机" and note.subject_en == "To approve: 打印机"
    assert note.body == "张丽 申请 1,234.50 元，状态 审批中"
    assert notifications.unread_count(cast["finance"]) == 1
    assert not Notification.objects.filter(recipient=cast["bystander"]).exists()
    by_channel = {m.channel: m for m in OutboxMessage.objects.all()}
    assert set(by_channel) == {"email", "sms", "wecom"}
    assert by_channel["email"].subject == "待审批：打印机"
    assert pii.decrypt(by_channel["sms"].target_enc, context="outbox") == "13905120001"
    assert by_channel["sms"].target_display == "139****0001"
    notifications.mark_read(cast["finance"])
    assert notifications.unread_count(cast["finance"]) == 0


def test_conditions_and_recipient_kinds(make_workflow, make_request, cast):
    make_workflow()
    rule(event="created", condition="amount > 10000", to_department_head=True, subject="大额：{{ document }}")
    rule(event="created", to_requester=True, subject="已创建")
    rule(event="created", recipient_field="requester", recipient_roles=["finance"], subject="字段与角色")
    rule(event="created", users=[cast["bystander"]], subject="指定用户", enabled=False)
    make_request(cast["requester"], amount=500)
    got = sorted((n.recipient.display_name or n.recipient.username, n.subject) for n in Notification.objects.all())
    assert got == [("张丽", "字段与角色"), ("张丽", "已创建"), ("郑芳", "字段与角色")]
    Notification.objects.all().delete()
    make_request(cast["requester"], amount=50000)
    assert Notification.objects.filter(recipient=cast["head"], subject__startswith="大额").count() == 1


def test_field_changed_and_transition_events(make_workflow, make_request, cast):
    make_workflow()
    rule(event="field_changed", field="amount", to_approvers=True, subject="金额改为 {{ amount }}")
    rule(event="transition", action="submit", to_requester=True, subject="{{ actor }}：{{ action }}")
    doc = make_request(cast["requester"], amount=100)
    services.apply(doc, "submit", cast["requester"])
    assert Notification.objects.get(recipient=cast["requester"]).subject == "张丽：提交"
    doc.amount = 300
    doc.save()
    services.document_changed(doc, ["title"], cast["requester"])
    assert not Notification.objects.filter(subject__startswith="金额").exists()
    services.document_changed(doc, ["amount"], cast["requester"])
    assert Notification.objects.get(recipient=cast["finance"], subject__startswith="金额").subject == "金额改为 300.00"


def test_days_before_a_date_field_once_a_day(make_workflow, make_request, cast):
    make_workflow()
    rule(event="days_before", field="needed_by", days=3, to_requester=True, subject="{{ days }} 天后：{{ needed_by }}")
    now = at("2026-03-02 08:00")
    make_request(cast["requester"], needed_by=dt.date(2026, 3, 5))
    make_request(cast["requester"], needed_by=dt.date(2026, 3, 6))
    assert timers.send_date_reminders(now=now) == 1
    assert timers.send_date_reminders(now=now) == 1  # queued again, but de-duplicated
    assert list(Notification.objects.values_list("subject", flat=True)) == ["3 天后：2026-03-05"]
    rule(event="days_after", field="needed_by", days=1, to_requester=True, subject="已过期一天：{{ needed_by }}")
    make_request(cast["requester"], needed_by=dt.date(2026, 3, 1))
    assert timers.send_date_reminders(now=now) == 2  # the 3-days-before one again (de-duplicated) and this one
    assert Notification.objects.filter(subject="已过期一天：2026-03-01").count() == 1


def test_a_failing_gateway_ends_in_dead_letters_not_lost(make_workflow, make_request, cast, settings):
    settings.SCENIC_GATEWAYS = {
        **settings.SCENIC_GATEWAYS,
        "sms": "tests.workflow.test_notifications.FailingSmsGateway",
    }
    settings.OUTBOX_MAX_ATTEMPTS = 3
    make_workflow()
    rule(event="state_entered", state="review", to_approvers=True, in_app=False, sms=True, subject="待审批")
    doc = make_request(cast["requester"])
    services.apply(doc, "submit", cast["requester"])
    message = OutboxMessage.objects.get(channel="sms")
    now = timezone.now()
    statuses = []
    for attempt in range(3):
        statuses.append(outbox.deliver(message.pk, now=now + dt.timedelta(hours=7 * attempt)))
    assert statuses == ["retrying", "retrying", "dead"]
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 3 and "503" in message.last_error
    assert message.body.startswith("待审批")
    assert SystemAlert.objects.filter(kind="dead_letter", open_key=f"dead_letter:{message.pk}").exists()
    assert not RecordedMessage.objects.filter(outbox=message).exists()
    # the dead letter can be sent again once the gateway works
    settings.SCENIC_GATEWAYS = {**settings.SCENIC_GATEWAYS, "sms": "scenic_ops.core.gateways.RecordingSmsGateway"}
    outbox.resend(message, now=now)
    assert outbox.deliver(message.pk, now=now + dt.timedelta(days=1)) == "sent"
    assert RecordedMessage.objects.filter(outbox=message).count() == 1


def test_email_is_delivered_by_the_worker(
    make_workflow, make_request, cast, rq_worker, django_capture_on_commit_callbacks
):
    make_workflow()
    rule(event="state_entered", state="review", to_approvers=True, in_app=False, email=True, subject="待审批")
    doc = make_request(cast["requester"])
    with django_capture_on_commit_callbacks(execute=True):
        services.apply(doc, "submit", cast["requester"])
    rq_worker("high")
    message = OutboxMessage.objects.get(channel="email")
    assert message.status == "sent"
    assert RecordedMessage.objects.get(outbox=message).subject == "待审批"
