"""Group-buy settlement: at the deadline a group that is not full fails and everyone is refunded once.

Seats are taken at checkout by a conditional UPDATE (`seats < size`), so a group never holds
more members than its size however many join at once (checkout.py); a group succeeds the
moment its paid members reach its size (orders.mark_paid). `settle_due` closes the groups
whose deadline has passed: open → failed by a conditional UPDATE (or → succeeded for a deal
with 虚拟成团), then each member's order is refunded or cancelled through the orders' own
conditional transitions — a settlement run twice refunds nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from scenic_ops.shop import orders
from scenic_ops.shop.models import Group, GroupSeat, Order


def settle(group_id: int, *, now: dt.datetime) -> str:
    with transaction.atomic():
        group = Group.objects.select_related("deal").get(pk=group_id)
        if group.status != Group.Status.OPEN or group.deadline > now:
            return group.status
        if group.deal.virtual_fill and group.paid > 0:
            Group.objects.filter(pk=group_id, status=Group.Status.OPEN).update(
                status=Group.Status.SUCCEEDED, virtual=True, settled_at=now
            )
            return "virtual"
        if not Group.objects.filter(pk=group_id, status=Group.Status.OPEN).update(
            status=Group.Status.FAILED, settled_at=now
        ):
            return "already"
    for seat in GroupSeat.objects.filter(group_id=group_id).select_related("order"):
        order = seat.order
        if order.status == Order.Status.PAID:
            orders.refund_order(order, reason="the group did not fill in time", now=now, key=f"group:{order.number}")
        elif order.status == Order.Status.PENDING:
            orders.close_unpaid(order.pk, Order.Status.CANCELLED, now=now, due=False)
    return "failed"


def settle_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for group_id in Group.objects.filter(status=Group.Status.OPEN, deadline__lte=now).values_list("id", flat=True)[
        :limit
    ]:
        outcome = settle(group_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
