"""Capacity set-up: sale days, time slots from templates, per-product capacity, allotments.

The site's daily capacity follows LB/T 034-2014 as approved in the site profile
(`max_daily_capacity`, itself instantaneous capacity × turnover), times the day's open ratio
(e.g. 75 % at peak). Nothing here can push a bucket below what is already sold: a lower
capacity is refused (`capacity_below_sold`) or, for automatic re-syncs, clamped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from scenic_ops.core.services import site_profile
from scenic_ops.ticketing import inventory, remaining
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Bucket, Product, SaleDay, SlotTemplate, TimeSlot

BIG = 10**9


def lbt034_daily_capacity(profile=None) -> int:
    """LB/T 034-2014 estimate: instantaneous capacity × turnover, turnover = Int(opening hours ÷ mean
    visit hours). The approved `max_daily_capacity` of the site profile stays authoritative."""
    profile = profile or site_profile()
    opens = dt.datetime.combine(dt.date(2000, 1, 1), profile.opening_time)
    closes = dt.datetime.combine(dt.date(2000, 1, 1), profile.closing_time)
    hours = (closes - opens).total_seconds() / 3600
    if hours <= 0 or not profile.mean_visit_hours:
        return 0
    return profile.max_instant_capacity * int(hours // float(profile.mean_visit_hours))


def day_capacity(date: dt.date, *, profile=None, saleday: SaleDay | None = None) -> int:
    profile = profile or site_profile()
    if saleday is not None and saleday.capacity_override is not None:
        return saleday.capacity_override
    ratio = saleday.open_ratio_override if saleday and saleday.open_ratio_override else profile.open_ratio_percent
    return profile.max_daily_capacity * ratio // 100


def _aware(date: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, at), timezone.get_default_timezone())


def _slot_times(template: SlotTemplate) -> list[tuple[dt.time, dt.time]]:
    out = []
    start = dt.datetime.combine(dt.date(2000, 1, 1), template.first_start)
    last = dt.datetime.combine(dt.date(2000, 1, 1), template.last_start)
    step = dt.timedelta(minutes=max(5, template.interval_minutes))
    while start <= last:
        end = start + dt.timedelta(minutes=template.duration_minutes)
        out.append((start.time(), min(end, dt.datetime.combine(dt.date(2000, 1, 1), dt.time(23, 59))).time()))
        start += step
    return out


@transaction.atomic
def generate(start: dt.date, days: int, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Create the missing sale days' buckets, time slots and product buckets (idempotent)."""
    profile = site_profile()
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    templates = list(SlotTemplate.objects.filter(active=True).select_related("product"))
    per_slot_products = list(
        Product.objects.filter(active=True, own_slots=False, per_slot_capacity__gt=0).values_list(
            "id", "per_slot_capacity"
        )
    )
    saledays = {s.date: s for s in SaleDay.objects.filter(date__in=dates)}
    existing = set(Bucket.objects.filter(date__in=dates).values_list("key", flat=True))
    counts = {"slots": 0, "buckets": 0}
    new_buckets: list[Bucket] = []
    for date in dates:
        weekday = str(date.isoweekday())
        slots_today = []
        for template in templates:
            if weekday not in template.weekdays:
                continue
            if (template.valid_from and date < template.valid_from) or (
                template.valid_until and date > template.valid_until
            ):
                continue
            owner = template.product_id or 0
            for begin, end in _slot_times(template):
                slot, created = TimeSlot.objects.get_or_create(
                    owner_key=owner,
                    date=date,
                    start=begin,
                    defaults={
                        "end": end,
                        "starts_at": _aware(date, begin),
                        "ends_at": _aware(date, end),
                        "product_id": template.product_id,
                        "template": template,
                    },
                )
                counts["slots"] += created
                slots_today.append((slot, template))
        if not slots_today:
            continue
        saleday = saledays.get(date)
        closed = bool(saleday and saleday.closed)
        key = f"d:{date.isoformat()}"
        if key not in existing:
            new_buckets.append(
                Bucket(
                    key=key,
                    kind=Bucket.Kind.DAY,
                    date=date,
                    capacity=day_capacity(date, profile=profile, saleday=saleday),
                    closed=closed,
                )
            )
        for slot, template in slots_today:
            key = f"s:{slot.id}"
            if key not in existing:
                new_buckets.append(
                    Bucket(
                        key=key,
                        kind=Bucket.Kind.SLOT,
                        date=date,
                        slot=slot,
                        product_id=slot.product_id,
                        capacity=template.capacity,
                    )
                )
            if slot.product_id is None:
                for product_id, capacity in per_slot_products:
                    key = f"p:{slot.id}:{product_id}"
                    if key not in existing:
                        new_buckets.append(
                            Bucket(
                                key=key,
                                kind=Bucket.Kind.PRODUCT,
                                date=date,
                                slot=slot,
                                product_id=product_id,
                                capacity=capacity,
                            )
                        )
    Bucket.objects.bulk_create(new_buckets, batch_size=500)
    counts["buckets"] = len(new_buckets)
    transaction.on_commit(lambda: [inventory.invalidate_layout(d) for d in dates])
    return counts


def sync_days(dates: Iterable[dt.date]) -> int:
    """Re-apply the site profile and sale-day settings to day buckets (never below what is sold)."""
    profile = site_profile()
    changed = 0
    for date in dates:
        saleday = SaleDay.objects.filter(date=date).first()
        bucket = Bucket.objects.filter(kind=Bucket.Kind.DAY, date=date).first()
        if bucket is None:
            continue
        target = day_capacity(date, profile=profile, saleday=saleday)
        closed = bool(saleday and saleday.closed)
        if bucket.capacity != target or bucket.closed != closed:
            change_bucket(bucket, capacity=target, closed=closed, clamp=True)
            changed += 1
    return changed


def change_bucket(bucket: Bucket, *, capacity: int | None = None, closed: bool | None = None, clamp: bool = False):
    """Set a bucket's capacity and/or closed flag; the public view never shows more than is true.

    Places that disappear are announced as pending before the change commits (see inventory).
    """
    capacity = bucket.capacity if capacity is None else int(capacity)
    closed = bucket.closed if closed is None else bool(closed)
    if capacity < 0:
        raise TicketingError(Code.CAPACITY_BELOW_SOLD, sold=bucket.used + bucket.reserved)
    shrink = BIG if closed and not bucket.closed else max(0, bucket.capacity - capacity)
    pending = remaining.pend(bucket.date, [inventory.Take(bucket.pk, shrink)]) if shrink else None
    try:
        with transaction.atomic():
            locked = Bucket.objects.select_for_update().get(pk=bucket.pk)
            floor = locked.used + locked.reserved
            if capacity < floor:
                if not clamp:
                    raise TicketingError(Code.CAPACITY_BELOW_SOLD, sold=floor)
                capacity = floor
            Bucket.objects.filter(pk=bucket.pk).update(capacity=capacity, closed=closed, seq=F("seq") + 1)
    except BaseException:
        remaining.publish(None, pending=pending)
        raise
    transaction.on_commit(lambda: remaining.publish([bucket.pk], pending=pending))
    bucket.refresh_from_db()
    return bucket


def set_day_closed(date: dt.date, closed: bool, *, note: str = "") -> SaleDay:
    saleday, _ = SaleDay.objects.get_or_create(date=date)
    saleday.closed = closed
    if note:
        saleday.note = note
    saleday.save()
    for bucket in Bucket.objects.filter(kind=Bucket.Kind.DAY, date=date):
        change_bucket(bucket, closed=closed)
    transaction.on_commit(lambda: inventory.invalidate_layout(date))
    return saleday


def set_slot_closed(slot: TimeSlot, closed: bool) -> None:
    for bucket in Bucket.objects.filter(kind=Bucket.Kind.SLOT, slot=slot):
        change_bucket(bucket, closed=closed)


# --- allotments ----------------------------------------------------------------------------
def create_allotment(slot: TimeSlot, channel: str, size: int, *, release_at: dt.datetime | None = None) -> Bucket:
    """Keep `size` places of the slot (and of its day) for a channel until `release_at`."""
    if size < 1:
        raise TicketingError(Code.INVALID_QUANTITY, max=BIG)
    parents = list(Bucket.objects.filter(slot=slot, kind=Bucket.Kind.SLOT)) + list(
        Bucket.objects.filter(date=slot.date, kind=Bucket.Kind.DAY)
    )
    if len(parents) != 2:
        raise TicketingError(Code.PRODUCT_NOT_IN_SLOT)
    takes = [inventory.Take(p.pk, 0, size) for p in parents]
    pending = remaining.pend(slot.date, takes)
    try:
        with transaction.atomic():
            if not inventory.take(takes):
                raise inventory.diagnose([p.pk for p in parents])  # rolls back the savepoint
            bucket = Bucket.objects.create(
                key=f"a:{slot.id}:{channel}",
                kind=Bucket.Kind.ALLOTMENT,
                date=slot.date,
                slot=slot,
                channel=channel,
                capacity=size,
                release_at=release_at or slot.starts_at - dt.timedelta(hours=2),
            )
    except BaseException:
        remaining.publish(None, pending=pending)
        raise
    ids = [p.pk for p in parents] + [bucket.pk]
    transaction.on_commit(lambda: remaining.publish(ids, pending=pending))
    transaction.on_commit(lambda: inventory.invalidate_layout(slot.date))
    return bucket


def release_allotment(bucket: Bucket) -> int:
    """At the cut-off: unused places of the allotment go back to everyone. Returns how many."""
    with transaction.atomic():
        parents = list(
            Bucket.objects.filter(
                Q(slot_id=bucket.slot_id, kind=Bucket.Kind.SLOT) | Q(date=bucket.date, kind=Bucket.Kind.DAY)
            ).values_list("pk", flat=True)
        )
        ids = sorted([bucket.pk, *parents])
        locked = {b.pk: b for b in Bucket.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        own = locked[bucket.pk]
        if own.released:
            return 0
        free = own.capacity - own.used
        Bucket.objects.filter(pk=bucket.pk).update(capacity=F("used"), released=True, seq=F("seq") + 1)
        if free and parents:
            Bucket.objects.filter(pk__in=parents).update(reserved=F("reserved") - free, seq=F("seq") + 1)
        transaction.on_commit(lambda: remaining.publish(ids))
    return free


def release_due_allotments(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = Bucket.objects.filter(kind=Bucket.Kind.ALLOTMENT, released=False, release_at__lte=now)
    return sum(release_allotment(b) for b in due)
