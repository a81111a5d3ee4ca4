"""The outbox: messages are written with the business change, delivered by RQ afterwards.

`enqueue` must be called inside the transaction of the change; delivery starts when it
commits. A sweep job picks up anything due (retries, and messages whose first delivery
was lost in a crash). Failures back off exponentially; after `max_attempts` the message
becomes a dead letter, visible and re-sendable in the desk.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scenic_ops.core import gateways, pii
from scenic_ops.core.models import OutboxMessage, SystemAlert

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


def _display(channel: str, target: str) -> str:
    if channel == "sms":
        return pii.mask_phone(target)
    if channel in ("webhook", "wecom"):
        return target.split("?")[0][:200]  # robot keys travel in the query string
    return target[:200]


def enqueue(
    channel: str,
    target: str,
    *,
    body: str = "",
    subject: str = "",
    payload: dict | None = None,
    dedupe_key: str | None = None,
    source: str = "",
    max_attempts: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction."""
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    message = OutboxMessage.objects.create(
        channel=channel,
        target_enc=pii.encrypt(target, context="outbox"),
        target_display=_display(channel, target),
        subject=subject[:200],
        body=body,
        payload=payload or {},
        dedupe_key=dedupe_key,
        source=source[:120],
        max_attempts=max_attempts or settings.OUTBOX_MAX_ATTEMPTS,
    )
    transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def _dispatch(message_id: int) -> None:
    try:
        django_rq.get_queue("high").enqueue(deliver_task, message_id, job_timeout=60)
    except Exception:  # noqa: BLE001 - Redis down: the sweep job delivers it later
        log.warning("outbox: could not queue message %s; the sweep will deliver it", message_id)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(message_id: int, *, now=None) -> str:
    """Try to deliver one message if it is due. Returns its status afterwards."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                pk=message_id,
                status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.RETRYING],
                next_attempt_at__lte=now,
            )
            .first()
        )
        if message is None:
            current = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
            return current or "missing"
        target = pii.decrypt(message.target_enc, context="outbox")
        message.attempts += 1
        try:
            message.provider_ref = gateways.for_channel(message.channel).send(message, target)[:120]
        except gateways.GatewayError as exc:
            message.last_error = str(exc)[:2000]
            if message.attempts >= message.max_attempts:
                message.status = OutboxMessage.Status.DEAD
                SystemAlert.objects.get_or_create(
                    open_key=f"dead_letter:{message.pk}",
                    defaults={
                        "kind": SystemAlert.Kind.DEAD_LETTER,
                        "subject": str(message)[:120],
                        "message": message.last_error[:500],
                    },
                )
            else:
                message.status = OutboxMessage.Status.RETRYING
                message.next_attempt_at = now + backoff(message.attempts)
        else:
            message.status = OutboxMessage.Status.SENT
            message.sent_at = now
            message.last_error = ""
        message.save()
        return message.status


def deliver_task(message_id: int) -> str:
    return deliver(message_id)


def due_ids(*, now=None, limit: int = 200) -> list[int]:
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(
            status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(*, now=None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message_id in due_ids(now=now):
        status = deliver(message_id, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def resend(message: OutboxMessage, *, now=None) -> None:
    """Give a dead letter a fresh set of attempts."""
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=now or timezone.now(), last_error=""
        )
        SystemAlert.objects.filter(open_key=f"dead_letter:{message.pk}").update(
            open_key=None, cleared_at=now or timezone.now()
        )
        transaction.on_commit(lambda: _dispatch(message.pk))
