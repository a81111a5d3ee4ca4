"""A payment provider's notification, applied exactly once, for every domain that takes payments.

A domain keeps its own payment and notification tables — a payment has `reference`, `amount`,
`status` (pending | succeeded | failed), `paid_at` and `provider_ref`; a notification has
`provider`, `notification_id` (unique together), `payment` and `outcome` — and says what a failed
and a succeeded payment mean for its order. The rest is the same for all and lives here: the
notification id is stored once (a replay answers "duplicate"), the payment row is locked, a
payment already succeeded is left alone, an amount that differs is refused and logged, and the
outcome is written on the notification, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

from django.db import IntegrityError, transaction

log = logging.getLogger(__name__)

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


class Note(Protocol):
    """What a provider's parsed notification carries."""

    id: str
    reference: str
    status: str
    amount: Any
    provider_ref: str


def apply_notification(
    note: Note,
    *,
    provider_code: str,
    payments,
    notifications,
    on_failed: Callable[[Any], str],
    on_succeeded: Callable[[Any], str],
    now: dt.datetime,
    **record_fields,
) -> str:
    """Apply `note` once; returns the outcome. `payments` and `notifications` are the domain's
    models; `on_failed(payment)` and `on_succeeded(payment)` run in the same transaction, after the
    payment's own status has changed, and return the outcome to record."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = notifications.objects.create(
                    provider=provider_code, notification_id=note.id, outcome="received", **record_fields
                )
        except IntegrityError:
            return "duplicate"
        payment = payments.objects.select_for_update().filter(reference=note.reference).first()
        if payment is None:
            outcome = "unknown_payment"
        elif payment.status == SUCCEEDED:
            outcome = "already_paid"
        elif note.status != SUCCEEDED:
            payments.objects.filter(pk=payment.pk, status=PENDING).update(status=FAILED)
            outcome = on_failed(payment)
        elif note.amount != payment.amount:
            outcome = "amount_mismatch"
            log.error(
                "%s payment %s: notified %s, expected %s",
                payments._meta.app_label,
                payment.reference,
                note.amount,
                payment.amount,
            )
        else:
            payments.objects.filter(pk=payment.pk).update(status=SUCCEEDED, paid_at=now, provider_ref=note.provider_ref)
            payment.status, payment.paid_at, payment.provider_ref = SUCCEEDED, now, note.provider_ref
            outcome = on_succeeded(payment)
        notifications.objects.filter(pk=record.pk).update(payment=payment, outcome=outcome)
    return outcome
