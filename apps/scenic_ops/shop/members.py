"""Members: signing in by phone, points credited after the refund window."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from scenic_ops.core import pii
from scenic_ops.shop.models import Member, Order, PointsEntry


def member_for_phone_index(index: str) -> Member | None:
    return Member.objects.select_related("level").filter(phone_index=index).first()


def member_for_phone(phone: str) -> Member | None:
    return member_for_phone_index(pii.blind_index(phone.strip(), kind="phone"))


def credit_due_points(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Earned points whose refund window has closed, on an order still paid, count now (once)."""
    now = now or timezone.now()
    credited = 0
    due = PointsEntry.objects.filter(state=PointsEntry.State.PENDING, available_at__lte=now).select_related("order")
    for entry in list(due[:limit]):
        with transaction.atomic():
            if entry.order is not None and entry.order.status not in (Order.Status.PAID, Order.Status.COMPLETED):
                PointsEntry.objects.filter(pk=entry.pk, state=PointsEntry.State.PENDING).update(
                    state=PointsEntry.State.CANCELLED
                )
                continue
            if PointsEntry.objects.filter(pk=entry.pk, state=PointsEntry.State.PENDING).update(
                state=PointsEntry.State.CREDITED
            ):
                Member.objects.filter(pk=entry.member_id).update(points=F("points") + entry.delta)
                credited += 1
    return credited


def grant_points(member: Member, points: int, *, reason: str, key: str, now=None) -> bool:
    """Points given by the desk (a goodwill gesture, a campaign); once per key."""
    now = now or timezone.now()
    with transaction.atomic():
        _entry, created = PointsEntry.objects.get_or_create(
            key=key[:80],
            defaults={
                "member": member,
                "delta": points,
                "reason": reason[:20],
                "state": PointsEntry.State.CREDITED,
                "created_at": now,
                "available_at": now,
            },
        )
        if created:
            Member.objects.filter(pk=member.pk).update(points=F("points") + points)
    return created
