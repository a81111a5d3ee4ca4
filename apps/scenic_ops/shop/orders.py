"""After checkout: payment, expiry, cancellation and refunds — each transition exactly once.

Every transition is a conditional UPDATE of the order's status (pending → paid | expired |
cancelled, paid → refunded), and what follows it (stock, coupon, points, group seat, the
tickets) runs only if that UPDATE changed the row. A payment notification delivered twice, a
job and a visitor cancelling at once, or a settlement retried change the order once and
refund once (`Refund.key` is unique per cause).

Payments go through ticketing's provider interface (`ticketing.services.provider`): the same
sandbox and, later, the same WeChat Pay / Alipay adapters; the shop keeps its own payment
rows and its own notification address (each payment names where to notify).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal

import django_rq
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scenic_ops.core import audit, outbox, payments, pii
from scenic_ops.shop import stock
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import (
    Coupon,
    CouponRedemption,
    Group,
    GroupSeat,
    Member,
    MemberLevel,
    Order,
    OrderLine,
    Payment,
    PaymentNotification,
    PickupCard,
    PointsEntry,
    Refund,
    Reservation,
    Shipment,
)

log = logging.getLogger(__name__)
PICKUP_ALPHABET = "0123456789"


def refund_window_days() -> int:
    return int(settings.SITE.get("shop", "refund_window_days", 7))


def _ticketing():
    from scenic_ops.ticketing import services

    return services


# --- payment ---------------------------------------------------------------------------------------
def start_payment(order: Order, *, provider_code: str = "sandbox", now: dt.datetime | None = None) -> Payment:
    """A pending payment of the order's total (the open one is reused)."""
    now = now or timezone.now()
    if order.status != Order.Status.PENDING:
        raise ShopError(Code.ALREADY_PAID if order.status == Order.Status.PAID else Code.ORDER_NOT_PENDING)
    if order.pay_by and order.pay_by <= now:
        raise ShopError(Code.ORDER_EXPIRED)
    if provider_code not in _ticketing().PROVIDERS:
        raise ShopError(Code.PAYMENT_NOT_FOUND)
    existing = order.payments.filter(status=Payment.Status.PENDING, provider=provider_code).first()
    if existing:
        return existing
    return Payment.objects.create(
        order=order,
        provider=provider_code,
        reference=f"SP{order.number[1:]}{secrets.token_hex(2).upper()}",
        amount=order.total,
        created_at=now,
    )


def handle_notification(provider_code: str, body: bytes, headers: Mapping[str, str], *, now=None) -> str:
    """Apply a provider's notification once; returns what happened."""
    from scenic_ops.ticketing.errors import TicketingError

    now = now or timezone.now()
    ticketing = _ticketing()
    if provider_code not in ticketing.PROVIDERS:
        raise ShopError(Code.PAYMENT_NOT_FOUND)
    try:
        note = ticketing.provider(provider_code).parse_notification(body, headers)
    except TicketingError as exc:
        raise ShopError(Code.BAD_NOTIFICATION) from exc

    def failed(payment: Payment) -> str:
        # A failed payment gives the coupon, the points, the seat and the stock back at once.
        closed = close_unpaid(payment.order_id, Order.Status.CANCELLED, now=now, due=False)
        return "failed" if closed else "failed_late"

    return payments.apply_notification(
        note,
        provider_code=provider_code,
        payments=Payment,
        notifications=PaymentNotification,
        on_failed=failed,
        on_succeeded=lambda payment: mark_paid(payment.order_id, payment=payment, now=now),
        now=now,
    )


def mark_paid(order_id: int, *, payment: Payment | None, now: dt.datetime) -> str:
    """pending → paid, then each part follows its rules. A payment for a closed order is refunded."""
    if not Order.objects.filter(pk=order_id, status=Order.Status.PENDING).update(status=Order.Status.PAID, paid_at=now):
        order = Order.objects.get(pk=order_id)
        if order.status in (Order.Status.PAID, Order.Status.COMPLETED):
            return "already"
        if payment is not None:
            _refund(
                order,
                payment.amount,
                key=f"late:{payment.reference}",
                reason="paid after the order closed",
                now=now,
                payment=payment,
            )
        return "refund_needed"
    order = Order.objects.select_related("member", "member__level", "pickup_point").get(pk=order_id)
    reservations = list(order.reservations.filter(state=Reservation.State.HELD))
    for reservation in reservations:
        stock.consume(reservation, now)
    if order.ticket_order_id:
        outcome = _ticketing().confirm_paid(order.ticket_order_id, method="online", now=now).outcome
        if outcome == "refund_needed":
            ticket_total = sum((line.total for line in order.lines.filter(kind=OrderLine.Kind.TICKET)), Decimal("0"))
            _refund(
                order,
                ticket_total,
                key=f"tickets:{order.number}",
                reason="the tickets' places were gone",
                now=now,
                payment=payment,
            )
    lines = list(order.lines.all())
    if order.delivery == Order.Delivery.SHIP and any(line.kind == OrderLine.Kind.GOODS for line in lines):
        points = {r.stock_id: r for r in reservations if r.stock_id}
        from scenic_ops.shop.models import Stock

        origin = Stock.objects.filter(pk__in=list(points)).select_related("point").first()
        ships_from = max((line.ships_from for line in lines if line.ships_from), default=None)
        point = origin.point if origin else _default_warehouse()
        Shipment.objects.create(order=order, point=point, ships_from=ships_from, created_at=now)
    if order.channel in (Order.Channel.KIOSK, Order.Channel.POS):
        # Sold at the point itself: handed over on the spot, the receipt is the proof.
        Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED, picked_up_at=now)
    elif order.delivery == Order.Delivery.PICKUP and any(line.kind == OrderLine.Kind.GOODS for line in lines):
        _assign_pickup_code(order)
    PickupCard.objects.filter(order=order, status=PickupCard.Status.PENDING).update(status=PickupCard.Status.ACTIVE)
    seat = GroupSeat.objects.filter(order=order).select_related("group").first()
    if seat is not None:
        Group.objects.filter(pk=seat.group_id).update(paid=F("paid") + 1)
        Group.objects.filter(pk=seat.group_id, status=Group.Status.OPEN, paid__gte=F("size")).update(
            status=Group.Status.SUCCEEDED, settled_at=now
        )
    _earn_points(order, now)
    audit.record("transition", order, changes={"status": [Order.Status.PENDING, Order.Status.PAID]}, message="paid")
    _notify_paid(order)
    return "paid"


def _default_warehouse():
    from scenic_ops.shop.models import ShopPoint

    return ShopPoint.objects.filter(kind=ShopPoint.Kind.WAREHOUSE).order_by("priority").first()


def _assign_pickup_code(order: Order) -> None:
    for _attempt in range(5):
        code = "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(10))
        try:
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(pickup_code=code)
            order.pickup_code = code
            return
        except IntegrityError:
            continue
    raise RuntimeError("no free pick-up code")


def _earn_points(order: Order, now: dt.datetime) -> None:
    member = order.member
    per_yuan = member.level.points_per_yuan if member.level else 1
    points = int((order.total - order.shipping_fee).to_integral_value(rounding=ROUND_FLOOR)) * per_yuan
    Member.objects.filter(pk=member.pk).update(spent=F("spent") + order.total)
    member.refresh_from_db(fields=["spent"])
    level = MemberLevel.objects.filter(min_spent__lte=member.spent).order_by("-min_spent").first()
    if level is not None and level.pk != member.level_id:
        Member.objects.filter(pk=member.pk).update(level=level)
    if points > 0 and not member.phone_index.startswith("walk-in:"):
        PointsEntry.objects.get_or_create(
            key=f"earn:{order.number}",
            defaults={
                "member": member,
                "delta": points,
                "reason": "earned",
                "order": order,
                "state": PointsEntry.State.PENDING,
                "created_at": now,
                "available_at": now + dt.timedelta(days=refund_window_days()),
            },
        )


def _notify_paid(order: Order) -> None:
    from scenic_ops.shop import selectors

    phone = pii.decrypt(order.contact_phone_enc, context="phone") if order.contact_phone_enc else ""
    if not phone:
        return
    with translation.override(order.language):
        body = _("Order %(number)s is paid. Details and pick-up code: %(url)s") % {
            "number": order.number,
            "url": selectors.order_url(order),
        }
    outbox.enqueue("sms", phone, body=body, dedupe_key=f"shop:paid:{order.number}", source=f"shop:{order.number}")


def sandbox_pay(payment: Payment, *, outcome: str = "succeeded") -> None:
    """The sandbox cashier's button: the signed notification arrives asynchronously (RQ), as a provider's would."""
    body, headers = _ticketing().PROVIDERS["sandbox"].notification(payment, outcome)

    def _enqueue() -> None:
        django_rq.get_queue("high").enqueue(sandbox_deliver_task, body, headers, job_timeout=60)

    transaction.on_commit(_enqueue)


def sandbox_deliver_task(body: bytes, headers: dict) -> str:
    return handle_notification("sandbox", body, headers)


def pay_without_money(order: Order, *, now=None) -> str:
    """An order that costs nothing (points, a pick-up card): paid at once."""
    now = now or timezone.now()
    if order.total != 0:
        raise ShopError(Code.NOT_PAID)
    with transaction.atomic():
        return mark_paid(order.pk, payment=None, now=now)


# --- closing an unpaid order -----------------------------------------------------------------------
def close_unpaid(order_id: int, status: str, *, now: dt.datetime, due: bool) -> bool:
    """pending → expired | cancelled; gives back stock, coupon, points, seat and tickets. True if this call did."""
    with transaction.atomic():
        query = Order.objects.filter(pk=order_id, status=Order.Status.PENDING)
        if due:
            query = query.filter(pay_by__lte=now)
        if not query.update(status=status, closed_at=now):
            return False
        order = Order.objects.get(pk=order_id)
        for reservation in order.reservations.filter(state=Reservation.State.HELD):
            stock.release(reservation, now)
        _give_back_coupon(order)
        _give_back_points(order, now)
        seat = GroupSeat.objects.filter(order=order).first()
        if seat is not None:
            seat.delete()
            Group.objects.filter(pk=seat.group_id, seats__gt=0).update(seats=F("seats") - 1)
        PickupCard.objects.filter(order=order, status=PickupCard.Status.PENDING).update(status=PickupCard.Status.VOID)
        if order.ticket_order:
            _cancel_tickets(order)
        audit.record("transition", order, changes={"status": [Order.Status.PENDING, status]}, message=status)
    return True


def expire_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(status=Order.Status.PENDING, pay_by__lte=now)
        .order_by("pay_by")
        .values_list("id", flat=True)[:limit]
    )
    return sum(close_unpaid(i, Order.Status.EXPIRED, now=now, due=True) for i in ids)


def cancel(order: Order, *, now=None) -> Order:
    """The buyer cancels an unpaid order, or asks for a paid one not yet shipped to be refunded."""
    now = now or timezone.now()
    if order.status == Order.Status.PENDING:
        close_unpaid(order.pk, Order.Status.CANCELLED, now=now, due=False)
    elif order.status == Order.Status.PAID:
        refund_order(order, reason="cancelled by the buyer", now=now)
    else:
        raise ShopError(Code.ORDER_NOT_PENDING)
    order.refresh_from_db()
    return order


def _give_back_coupon(order: Order) -> None:
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is not None:
        redemption.delete()
        Coupon.objects.filter(pk=redemption.coupon_id, used__gt=0).update(used=F("used") - 1)


def _give_back_points(order: Order, now) -> None:
    used = PointsEntry.objects.filter(key=f"use:{order.number}").first()
    if used is not None:
        _entry, created = PointsEntry.objects.get_or_create(
            key=f"return:{order.number}",
            defaults={
                "member_id": used.member_id,
                "delta": -used.delta,
                "reason": "returned",
                "order": order,
                "state": PointsEntry.State.CREDITED,
                "created_at": now,
                "available_at": now,
            },
        )
        if created:
            Member.objects.filter(pk=used.member_id).update(points=F("points") - used.delta)
    PointsEntry.objects.filter(key=f"earn:{order.number}", state=PointsEntry.State.PENDING).update(
        state=PointsEntry.State.CANCELLED
    )


def _cancel_tickets(order: Order) -> Decimal:
    """Cancel the order's tickets in ticketing; what ticketing refunds for them under its rules
    (refundable or not, deadline, fee), which the shop then pays back. 0 when nothing was paid."""
    from scenic_ops.ticketing import selectors
    from scenic_ops.ticketing.errors import TicketingError

    ticket_order = selectors.order_by_number(order.ticket_order)
    if ticket_order is None or ticket_order.status not in ("held", "confirmed"):
        return Decimal("0")
    before = ticket_order.refunded_amount
    try:
        after = _ticketing().cancel_order(ticket_order, reason=f"shop order {order.number}").refunded_amount
    except TicketingError as exc:  # used, past the deadline, not refundable: the tickets stay
        log.info("shop %s: tickets %s not refunded: %s", order.number, order.ticket_order, exc.code)
        return Decimal("0")
    return max(Decimal("0"), after - before)


# --- refunds ----------------------------------------------------------------------------------------
def refund_order(
    order: Order, *, reason: str, now=None, key: str | None = None, approved: Refund | None = None
) -> Refund | None:
    """paid (or completed) → refunded, in full: stock not yet shipped goes back on sale, the coupon
    and points too, the tickets are cancelled. `approved` is a return request the workflow approved
    (it becomes the refund); otherwise a refund row is made for `key`."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Order.objects.filter(pk=order.pk, status__in=(Order.Status.PAID, Order.Status.COMPLETED)).update(
            status=Order.Status.REFUNDED, closed_at=now
        ):
            return None
        shipped = order.shipments.exclude(status=Shipment.Status.WAITING).exists() or order.picked_up_at is not None
        if not shipped:
            for reservation in order.reservations.filter(state=Reservation.State.CONSUMED):
                stock.restock_sold(reservation, now)
            order.shipments.filter(status=Shipment.Status.WAITING).delete()
        _give_back_coupon(order)
        _give_back_points(order, now)
        PickupCard.objects.filter(order=order, status=PickupCard.Status.ACTIVE).update(status=PickupCard.Status.VOID)
        # Goods (and shipping) come back in full; tickets as ticketing's refund rules allow.
        order.refresh_from_db(fields=["refunded_amount"])
        tickets_paid = sum((line.total for line in order.lines.filter(kind=OrderLine.Kind.TICKET)), Decimal("0"))
        tickets_back = _cancel_tickets(order) if order.ticket_order else Decimal("0")
        amount = max(Decimal("0"), order.total - tickets_paid + tickets_back - order.refunded_amount)
        payment = order.payments.filter(status=Payment.Status.SUCCEEDED).first()
        if approved is not None:
            Refund.objects.filter(pk=approved.pk, status=Refund.Status.AWAITING).update(
                status=Refund.Status.PENDING, payment=payment, amount=amount
            )
            Order.objects.filter(pk=order.pk).update(refunded_amount=F("refunded_amount") + amount)
            refund = approved
            refund.amount = amount
            transaction.on_commit(lambda: _queue_refund(approved.pk))
        else:
            refund = _refund(order, amount, key=key or f"order:{order.number}", reason=reason, now=now, payment=payment)
        audit.record(
            "transition", order, changes={"status": [order.status, Order.Status.REFUNDED]}, message=reason[:200]
        )
    return refund


def _refund(order: Order, amount: Decimal, *, key: str, reason: str, now, payment: Payment | None) -> Refund | None:
    if amount <= 0:
        return None
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                order=order, payment=payment, key=key[:60], amount=amount, reason=reason[:200], created_at=now
            )
    except IntegrityError:
        return None  # this cause was refunded already
    Order.objects.filter(pk=order.pk).update(refunded_amount=F("refunded_amount") + amount)
    transaction.on_commit(lambda: _queue_refund(refund.pk))
    return refund


def _queue_refund(refund_id: int) -> None:
    try:
        django_rq.get_queue("high").enqueue(process_refund_task, refund_id, job_timeout=60)
    except Exception:  # noqa: BLE001 - Redis down: the refunds job retries
        log.warning("could not queue shop refund %s; the periodic job will send it", refund_id)


def process_refund(refund_id: int, *, now=None) -> str:
    """Send one pending refund to the provider (only a pending one; a failure is retried by the job)."""
    now = now or timezone.now()
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").filter(pk=refund_id).first()
        if refund is None or refund.status != Refund.Status.PENDING:
            return refund.status if refund else "missing"
        payment = refund.payment
        if payment is not None:
            try:
                refund.provider_ref = (
                    _ticketing().provider(payment.provider).refund(payment, refund.amount, f"S{refund.pk}")[:64]
                )
            except Exception as exc:  # noqa: BLE001
                log.warning("shop refund %s failed at %s: %s", refund.pk, payment.provider, exc)
                return "retry"
            Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("refunded_amount") + refund.amount)
        refund.status, refund.completed_at = Refund.Status.SUCCEEDED, now
        refund.save(update_fields=["status", "completed_at", "provider_ref"])
    return refund.status


def process_refund_task(refund_id: int) -> str:
    return process_refund(refund_id)


def notification_body(payment: Payment, status: str = "succeeded") -> tuple[bytes, dict]:
    """A signed sandbox notification for a payment (tests and the sandbox cashier)."""
    return _ticketing().PROVIDERS["sandbox"].notification(payment, status)
