"""Payments: a provider interface, the sandbox provider, and counter payments.

A provider turns a pending `Payment` into a checkout (a URL the visitor follows), later
sends a signed asynchronous notification that `handle_notification` checks and applies,
and refunds. WeChat Pay, Alipay or UnionPay plug in as further `PaymentProvider`s
registered in `PROVIDERS`; the rest of ticketing only sees this module's functions.

Replays are harmless: each notification id is stored once (unique), and the payment and
order transitions are conditional on their current state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import django_rq
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from scenic_ops.core import payments
from scenic_ops.core.sqlvalues import utc_naive
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Order, Payment, PaymentNotification, Refund

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notification:
    id: str
    reference: str
    status: str  # succeeded | failed
    amount: Decimal
    provider_ref: str = ""


class PaymentProvider(Protocol):
    code: str

    def checkout_url(self, payment: Payment) -> str:
        """Where to send the payer (the provider's cashier page)."""

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify the provider's signature and parse; raise TicketingError(BAD_NOTIFICATION) if wrong."""

    def refund(self, payment: Payment, amount: Decimal, refund_reference: str) -> str:
        """Refund at the provider; return its reference or raise."""


class SandboxProvider:
    """A stand-in payment provider: a cashier page, HMAC-signed async notifications, instant refunds."""

    code = "sandbox"
    header = "HTTP_X_SANDBOX_SIGNATURE"

    @staticmethod
    def secret() -> bytes:
        return hmac.new(settings.SECRET_KEY.encode(), b"scenic-ops sandbox payments", hashlib.sha256).digest()

    def checkout_url(self, payment: Payment) -> str:
        return reverse("ticketing:sandbox-pay", args=[payment.reference])

    def sign(self, body: bytes, timestamp: str) -> str:
        return hmac.new(self.secret(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def notification(self, payment: Payment, status: str = "succeeded", *, amount: Decimal | None = None):
        """(body, headers) of a signed notification, as the provider would POST it."""
        body = json.dumps(
            {
                "notification_id": secrets.token_hex(12),
                "reference": payment.reference,
                "status": status,
                "amount": str(payment.amount if amount is None else amount),
                "provider_ref": f"sbx{secrets.token_hex(6)}",
            },
            sort_keys=True,
        ).encode()
        timestamp = str(int(time.time()))
        return body, {"HTTP_X_SANDBOX_TIMESTAMP": timestamp, self.header: self.sign(body, timestamp)}

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        timestamp = headers.get("HTTP_X_SANDBOX_TIMESTAMP", "")
        given = headers.get(self.header, "")
        if not timestamp or not given or not hmac.compare_digest(given, self.sign(body, timestamp)):
            raise TicketingError(Code.BAD_NOTIFICATION)
        try:
            data = json.loads(body)
            return Notification(
                id=str(data["notification_id"])[:64],
                reference=str(data["reference"])[:32],
                status=str(data["status"]),
                amount=Decimal(str(data["amount"])),
                provider_ref=str(data.get("provider_ref", ""))[:64],
            )
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise TicketingError(Code.BAD_NOTIFICATION) from exc

    def refund(self, payment: Payment, amount: Decimal, refund_reference: str) -> str:
        return f"sbxrf{refund_reference}"


PROVIDERS: dict[str, PaymentProvider] = {"sandbox": SandboxProvider()}


def provider(code: str) -> PaymentProvider:
    try:
        return PROVIDERS[code]
    except KeyError:
        raise TicketingError(Code.PAYMENT_NOT_FOUND) from None


def start_payment(order: Order, *, provider_code: str = "sandbox", now: dt.datetime | None = None) -> Payment:
    """A pending online payment for a held order (reused if one is already open)."""
    now = now or timezone.now()
    if order.status != Order.Status.HELD:
        raise TicketingError(Code.ALREADY_PAID if order.status == Order.Status.CONFIRMED else Code.ORDER_NOT_HELD)
    if order.hold_expires_at and order.hold_expires_at <= now:
        raise TicketingError(Code.HOLD_EXPIRED)
    existing = order.payments.filter(status=Payment.Status.PENDING, provider=provider_code).first()
    if existing:
        return existing
    return Payment.objects.create(
        order=order,
        provider=provider_code,
        method=Order.PaymentMethod.ONLINE,
        reference=f"P{order.number}{secrets.token_hex(3).upper()}",
        amount=order.total,
    )


def handle_notification(provider_code: str, body: bytes, headers: Mapping[str, str], *, now=None) -> str:
    """Apply a provider notification once (`core.payments`). Returns what happened (for the log and the tests)."""
    now = now or timezone.now()
    note = provider(provider_code).parse_notification(body, headers)

    def succeeded(payment: Payment) -> str:
        from scenic_ops.ticketing.lifecycle import confirm_paid

        outcome = confirm_paid(payment.order_id, method=Order.PaymentMethod.ONLINE, now=now).outcome
        if outcome == "refund_needed":
            refund = Refund.objects.create(
                order_id=payment.order_id,
                payment=payment,
                method=Order.PaymentMethod.ONLINE,
                amount=payment.amount,
                ticket_count=0,
                reason="paid after the hold expired and the places were gone",
                created_at=now,
            )
            queue_refund(refund.pk)
        return outcome

    return payments.apply_notification(
        note,
        provider_code=provider_code,
        payments=Payment,
        notifications=PaymentNotification,
        on_failed=lambda payment: "failed",
        on_succeeded=succeeded,
        now=now,
        body=json.loads(body),
    )


def counter_payment_row(amount: Decimal, method: str, user_id: int | None, now) -> dict:
    """Cash, card or QR taken by a clerk: a payment that succeeded at once (written by the booking block)."""
    return {
        "provider": "counter",
        "method": method,
        "reference": f"C{secrets.token_hex(8).upper()}",
        "provider_ref": "",
        "amount": amount,
        "refunded_amount": Decimal("0"),
        "status": Payment.Status.SUCCEEDED,
        "created_at": utc_naive(now),
        "paid_at": utc_naive(now),
        "created_by_id": user_id,
    }


def queue_refund(refund_id: int) -> None:
    def _enqueue() -> None:
        try:
            django_rq.get_queue("high").enqueue(process_refund_task, refund_id, job_timeout=60)
        except Exception:  # noqa: BLE001 - Redis down: the refunds job picks it up
            log.warning("could not queue refund %s; the periodic job will process it", refund_id)

    transaction.on_commit(_enqueue)


def process_refund(refund_id: int, *, now=None) -> str:
    """Send one pending refund to its provider (idempotent: only a pending refund is processed)."""
    now = now or timezone.now()
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").filter(pk=refund_id).first()
        if refund is None or refund.status != Refund.Status.PENDING:
            return refund.status if refund else "missing"
        payment = refund.payment
        if payment is None or payment.provider not in PROVIDERS:
            refund.status, refund.completed_at = Refund.Status.SUCCEEDED, now
        else:
            try:
                refund.provider_ref = provider(payment.provider).refund(payment, refund.amount, str(refund.pk))[:64]
            except Exception as exc:  # noqa: BLE001 - a provider failure is retried by the job
                log.warning("refund %s failed at %s: %s", refund.pk, payment.provider, exc)
                return "retry"
            refund.status, refund.completed_at = Refund.Status.SUCCEEDED, now
            Payment.objects.filter(pk=payment.pk).update(refunded_amount=payment.refunded_amount + refund.amount)
        refund.save(update_fields=["status", "completed_at", "provider_ref"])
    return refund.status


def process_refund_task(refund_id: int) -> str:
    return process_refund(refund_id)


def sandbox_pay(payment: Payment, *, outcome: str = "succeeded") -> None:
    """The sandbox cashier's 'pay' button: the notification arrives asynchronously (RQ)."""
    body, headers = PROVIDERS["sandbox"].notification(payment, outcome)

    def _enqueue() -> None:
        django_rq.get_queue("high").enqueue(sandbox_deliver_task, body, headers, job_timeout=60)

    transaction.on_commit(_enqueue)


def sandbox_deliver_task(body: bytes, headers: dict) -> str:
    return handle_notification("sandbox", body, headers)
