import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from scenic_ops.core import gateways, outbox, pii
from scenic_ops.core.models import OutboxMessage, RecordedMessage, SystemAlert
from tests.receiver import Receiver


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now: connections are refused
    return f"http://127.0.0.1:{port}/hook"


@pytest.mark.django_db(transaction=True)
def test_message_is_sent_by_the_rq_worker_after_commit(rq_worker):
    with transaction.atomic():
        message = outbox.enqueue("sms", "13905120001", body="您的预约已确认", source="test")
    rq_worker()
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1
    recorded = RecordedMessage.objects.get(outbox=message)
    assert recorded.target_display == "139****0001" and recorded.body == "您的预约已确认"
    assert message.target_display == "139****0001"
    assert b"13905120001" not in bytes(message.target_enc)


@pytest.mark.django_db(transaction=True)
def test_message_of_a_rolled_back_change_is_never_sent(rq_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("sms", "13905120002", body="x")
        raise RuntimeError("business change failed")
    rq_worker()
    assert not OutboxMessage.objects.exists()
    assert not RecordedMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_failing_gateway_is_retried_with_backoff_then_dead_lettered(rq_worker, settings):
    settings.OUTBOX_BACKOFF_SECONDS = 10
    with transaction.atomic():
        message = outbox.enqueue("webhook", _closed_port_url(), payload={"event": "ticket.used"}, max_attempts=4)
    before = timezone.now()
    rq_worker()  # first attempt, through RQ
    after = timezone.now()
    message.refresh_from_db()
    assert message.status == "retrying" and message.attempts == 1
    assert "Connection" in message.last_error
    first_retry = message.next_attempt_at
    assert before <= first_retry - timedelta(seconds=10) <= after

    assert outbox.sweep(now=timezone.now()) == {}  # not due yet: nothing happens
    now = first_retry
    gaps = []
    for _ in range(3):
        outbox.sweep(now=now)
        message.refresh_from_db()
        if message.status == "dead":
            break
        gaps.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    assert gaps == [timedelta(seconds=20), timedelta(seconds=40)]  # exponential backoff
    assert message.status == "dead" and message.attempts == 4
    alert = SystemAlert.objects.get(kind="dead_letter")
    assert str(message.pk) in alert.open_key


@pytest.mark.django_db(transaction=True)
def test_dead_letter_can_be_resent_from_the_desk(rq_worker, make_user):
    from django.test import Client

    with Receiver(status=500) as receiver, transaction.atomic():
        message = outbox.enqueue("webhook", f"{receiver.url}/hook", payload={"n": 1}, max_attempts=1)
    with Receiver(status=500) as receiver:
        OutboxMessage.objects.filter(pk=message.pk).update(
            target_enc=pii.encrypt(f"{receiver.url}/hook", context="outbox")
        )
        rq_worker()
        message.refresh_from_db()
        assert message.status == "dead" and "HTTP 500" in message.last_error
        receiver.status = 200  # the partner fixed their side
        client = Client()
        client.force_login(make_user("sysadmin"))
        response = client.post(
            "/admin/core/outboxmessage/", {"action": "resend_selected", "_selected_action": [message.pk]}
        )
        assert response.status_code == 302
        message.refresh_from_db()
        assert message.status == "pending" and message.attempts == 0
        rq_worker()
        message.refresh_from_db()
        assert message.status == "sent" and message.attempts == 1
        assert len(receiver.requests) == 2
    assert not SystemAlert.objects.filter(open_key__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_webhook_is_signed_when_a_secret_is_given(rq_worker):
    with Receiver() as receiver:
        with transaction.atomic():
            message = outbox.enqueue(
                "webhook", f"{receiver.url}/partner", payload={"event": "ticket.used", "_signing_secret": "s3cret"}
            )
        rq_worker()
        sent = receiver.requests[0]
    assert sent.json() == {"event": "ticket.used"}
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["x-scenic-message-id"] == str(message.pk)
    expected = gateways.sign("s3cret", headers["x-scenic-timestamp"], sent.body)
    assert headers["x-scenic-signature"] == expected


@pytest.mark.django_db(transaction=True)
def test_dedupe_key_sends_once(rq_worker):
    with transaction.atomic():
        a = outbox.enqueue("sms", "13905120003", body="一次", dedupe_key="order:1:confirmed")
        b = outbox.enqueue("sms", "13905120003", body="一次", dedupe_key="order:1:confirmed")
    assert a.pk == b.pk
    rq_worker()
    assert RecordedMessage.objects.count() == 1
