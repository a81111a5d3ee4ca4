"""The shop's scheduled jobs: unpaid expiry, reservation release, group-buy settlement, points, alerts."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from scenic_ops.core.scheduling import scheduled


@scheduled(
    "shop_expire_unpaid", interval=30, timeout=120, queue="high", description=gettext_noop("Expire unpaid shop orders")
)
def expire_unpaid_task(now=None, run=None) -> int:
    """Unpaid orders past their pay-by time: stock, coupons, points, seats and tickets go back (once)."""
    from scenic_ops.shop import orders

    return orders.expire_due(now=now)


@scheduled(
    "shop_release_reservations", interval=60, timeout=120, description=gettext_noop("Release stray stock reservations")
)
def release_reservations_task(now=None, run=None) -> int:
    """A held reservation past its time whose order is closed (a crash between the two): released once."""
    from scenic_ops.shop import stock
    from scenic_ops.shop.models import Order, Reservation

    now = now or timezone.now()
    released = 0
    stray = Reservation.objects.filter(state=Reservation.State.HELD, expires_at__lte=now).exclude(
        order__status=Order.Status.PENDING
    )
    for reservation in list(stray[:500]):
        with transaction.atomic():
            released += stock.release(reservation, now)
    return released


@scheduled(
    "shop_settle_groups", interval=60, timeout=300, description=gettext_noop("Settle group-buy deals at their deadline")
)
def settle_groups_task(now=None, run=None) -> dict:
    from scenic_ops.shop import groups

    return groups.settle_due(now=now)


@scheduled(
    "shop_credit_points",
    cron="15 * * * *",
    timeout=600,
    description=gettext_noop("Credit points after the refund window"),
)
def credit_points_task(now=None, run=None) -> int:
    from scenic_ops.shop import members

    return members.credit_due_points(now=now)


@scheduled("shop_refunds", interval=300, timeout=300, description=gettext_noop("Retry pending shop refunds"))
def refunds_task(now=None, run=None) -> int:
    from scenic_ops.shop import orders
    from scenic_ops.shop.models import Refund

    return sum(
        orders.process_refund(pk) == "succeeded"
        for pk in Refund.objects.filter(status="pending").values_list("id", flat=True)[:200]
    )


@scheduled("shop_low_stock", interval=900, timeout=120, description=gettext_noop("Alert the shop team about low stock"))
def low_stock_task(now=None, run=None) -> int:
    """One WeCom/e-mail alert per stock row when it falls to its threshold (again after a restock)."""
    from scenic_ops.core import outbox
    from scenic_ops.core.services import users_with_role
    from scenic_ops.shop import selectors
    from scenic_ops.shop.models import Stock

    now = now or timezone.now()
    sent = 0
    for row in selectors.low_stock():
        if row.alerted_at is not None:
            continue
        with transaction.atomic():
            if not Stock.objects.filter(pk=row.pk, alerted_at__isnull=True).update(alerted_at=now):
                continue
            body = f"{row.sku} @ {row.point.name}: {row.available}"
            for user in users_with_role("shop_operator"):
                if user.email:
                    outbox.enqueue(
                        "email", user.email, subject="低库存 / Low stock", body=body, source="shop:low_stock"
                    )
            sent += 1
    return sent
