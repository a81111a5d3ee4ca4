"""Ticketing's scheduled jobs (run by RQ; declared here, registered in core.scheduling)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scenic_ops.core.scheduling import scheduled
from scenic_ops.ticketing import capacity, lifecycle
from scenic_ops.ticketing.models import Refund, Ticket

SLOT_DAYS_AHEAD = 30
PURGE_AFTER_DAYS = 180


@scheduled("ticketing_expire_holds", interval=30, timeout=120, queue="high", description="Expire unpaid holds")
def expire_holds_task(now):
    """Unpaid holds past their time give their places back (exactly once, see lifecycle)."""
    return lifecycle.expire_due_holds(now=now)


@scheduled("ticketing_release_allotments", interval=60, timeout=120, description="Release allotments at cut-off")
def release_allotments_task(now):
    return capacity.release_due_allotments(now=now)


@scheduled("ticketing_generate_slots", cron="7 * * * *", timeout=600, description="Time slots for the coming weeks")
def generate_slots_task(now):
    """Create the coming weeks' slots and buckets; re-apply the site profile to day capacities."""
    today = timezone.localdate(now)
    counts = capacity.generate(today, SLOT_DAYS_AHEAD, now=now)
    counts["days_synced"] = capacity.sync_days(today + dt.timedelta(days=i) for i in range(SLOT_DAYS_AHEAD))
    return counts


@scheduled("ticketing_refunds", interval=300, timeout=300, description="Retry pending provider refunds")
def refunds_task(now):
    from scenic_ops.ticketing.payments import process_refund

    pending = Refund.objects.filter(status=Refund.Status.PENDING).values_list("pk", flat=True)[:200]
    return sum(process_refund(pk, now=now) == "succeeded" for pk in pending)


@scheduled("ticketing_purge_personal_data", cron="30 3 * * *", timeout=1800, description="Purge old visitor data")
def purge_personal_data_task(now, run=None):
    """PIPL: after the retention period, drop encrypted names, ID numbers and phones; keep masked values."""
    cutoff = timezone.localdate(now) - dt.timedelta(days=PURGE_AFTER_DAYS)
    total = 0
    while True:
        ids = list(
            Ticket.objects.filter(date__lt=cutoff, personal_data_purged=False).values_list("pk", flat=True)[:5000]
        )
        if not ids:
            return total
        total += Ticket.objects.filter(pk__in=ids).update(
            id_number_enc=None, name_enc=None, phone_enc=None, personal_data_purged=True
        )
